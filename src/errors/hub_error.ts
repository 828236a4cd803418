/**
 * The closed set of hub error codes and their one mapping to HTTP status,
 * JSON-RPC (MCP) error code and WebSocket close code.
 *
 * @module
 */

/** Every code a hub error can carry; nothing else reaches a client. */
export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "rate_limited",
  "payload_too_large",
  "timeout",
  "unavailable",
  "aborted",
  "upstream_error",
  "internal",
] as const;

/** A hub error code. */
export type ErrorCode = typeof ERROR_CODES[number];

/** How one error code surfaces on each protocol. */
export interface ErrorMapping {
  readonly http: number;
  readonly jsonRpc: number;
  readonly wsClose: number;
}

/** The one table mapping each code to HTTP status, JSON-RPC error and WS close code. */
export const ERROR_MAP: Readonly<Record<ErrorCode, ErrorMapping>> = {
  bad_request: { http: 400, jsonRpc: -32602, wsClose: 4400 },
  unauthorized: { http: 401, jsonRpc: -32001, wsClose: 4401 },
  forbidden: { http: 403, jsonRpc: -32003, wsClose: 4403 },
  not_found: { http: 404, jsonRpc: -32004, wsClose: 4404 },
  // A route that exists, asked with a method it does not serve (the answer names the allowed ones).
  method_not_allowed: { http: 405, jsonRpc: -32005, wsClose: 4405 },
  conflict: { http: 409, jsonRpc: -32009, wsClose: 4409 },
  rate_limited: { http: 429, jsonRpc: -32029, wsClose: 4429 },
  payload_too_large: { http: 413, jsonRpc: -32013, wsClose: 1009 },
  timeout: { http: 504, jsonRpc: -32008, wsClose: 4408 },
  unavailable: { http: 503, jsonRpc: -32010, wsClose: 1013 },
  aborted: { http: 499, jsonRpc: -32011, wsClose: 4499 },
  upstream_error: { http: 502, jsonRpc: -32012, wsClose: 4502 },
  internal: { http: 500, jsonRpc: -32603, wsClose: 1011 },
};

/** Options of a {@linkcode HubError}. */
export interface HubErrorOptions {
  cause?: unknown;
  /** Structured, client-safe details (e.g. the JSON path of a bad field). */
  details?: Record<string, unknown>;
}

/** The one error type of the hub: a code from the closed set, a message, a cause. */
export class HubError extends Error {
  override readonly name = "HubError";
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HubErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** The mapping of this error's code. */
  get mapping(): ErrorMapping {
    return ERROR_MAP[this.code];
  }
}

/** True when `value` is one of the closed error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

/** Turns any throw into a HubError; anything unknown becomes `internal`. */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  return new HubError("internal", "Internal error", { cause: error });
}

/** A plain, structured-cloneable form of an error, for crossing a Worker or socket. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  name?: string;
  stack?: string;
  details?: Record<string, unknown>;
}

/** Serializes any error for a Worker/socket boundary (`ErrorEvent.error` is null in a parent). */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof HubError) {
    return { code: error.code, message: error.message, details: error.details, stack: error.stack };
  }
  if (error instanceof Error) {
    return { code: "internal", name: error.name, message: error.message, stack: error.stack };
  }
  return { code: "internal", message: String(error) };
}

/** Rebuilds a HubError from its serialized form. */
export function deserializeError(error: SerializedError): HubError {
  const code = isErrorCode(error.code) ? error.code : "internal";
  const hubError = new HubError(code, error.message, { details: error.details });
  if (error.stack) hubError.stack = error.stack;
  return hubError;
}
