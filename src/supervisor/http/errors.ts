import type { Context, Handler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorCode, HubError, toHubError } from "@hub/errors";
import { logger } from "../../logging/mod.ts";
import { databaseUnavailable } from "../../storage/mod.ts";

/** The coded error body of every hub API error. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    requestId?: string;
    details?: Record<string, unknown>;
    cause?: string;
  };
}

/** Builds the error body; causes reach clients only in development. */
export function errorBody(error: HubError, requestId?: string, dev = false): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
  if (error.details) body.error.details = error.details;
  if (dev && error.cause !== undefined) body.error.cause = String(error.cause);
  return body;
}

/** Logs a throw that became `internal` (its cause never reaches the client). */
export function logIfInternal(c: Context, error: HubError, thrown: unknown): void {
  if (error.code !== "internal") return;
  logger("http").error("Unhandled error on {method} {path}: {error}", {
    method: c.req.method,
    path: c.req.path,
    requestId: c.get("requestId"),
    error: thrown,
  });
}

/** Seconds a client is asked to wait before retrying an `unavailable` answer. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Sends any throw as a coded JSON error; unknown throws become `internal` and
 * are logged, except a database outage, which is `unavailable` (503, Retry-After).
 */
export function sendError(c: Context, thrown: unknown, dev = false): Response {
  const error = toHubError(databaseUnavailable(thrown, "complete the request") ?? thrown);
  const requestId = c.get("requestId") as string | undefined;
  logIfInternal(c, error, thrown);
  if (error.code === "unauthorized") c.header("WWW-Authenticate", 'Bearer realm="alk hub"');
  if (error.code === "unavailable") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
  return c.json(errorBody(error, requestId, dev), error.mapping.http as ContentfulStatusCode);
}

/** Shorthand for throwing a coded error inside a route. */
export function fail(code: ErrorCode, message: string): never {
  throw new HubError(code, message);
}

/**
 * The handler of a route's other methods: `405 method_not_allowed` with an
 * `Allow` header, instead of the `404` that would say the route is missing.
 */
export function methodNotAllowed(...allowed: readonly string[]): Handler {
  const methods = allowed.join(", ");
  return (c) => {
    c.header("Allow", methods);
    throw new HubError(
      "method_not_allowed",
      `Cannot ${c.req.method} ${c.req.path}: the route allows ${methods}`,
    );
  };
}
