/**
 * OpenAI's error body, `{"error":{"message","type","param","code"}}`, and the
 * one mapping of a hub error to it: every `/v1` failure — route, gateway or
 * proxy actor — is a `HubError` answered through {@linkcode toOpenAiError}.
 *
 * @module
 */
import { type ErrorCode, HubError } from "@hub/errors";

/** The `type` values the hub answers, as OpenAI uses them. */
export type OpenAiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "rate_limit_error"
  | "server_error";

/** An OpenAI error body. */
export interface OpenAiError {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

/** An OpenAI error answer: its HTTP status (from `ERROR_MAP`) and body. */
export interface OpenAiErrorAnswer {
  status: number;
  body: OpenAiError;
}

/**
 * The `type` and default `code` of each hub error code on `/v1`. A missing
 * route or model is `invalid_request_error`, as OpenAI answers both.
 */
export const OPENAI_ERRORS: Readonly<Record<ErrorCode, { type: OpenAiErrorType; code: string }>> = {
  bad_request: { type: "invalid_request_error", code: "invalid_request" },
  unauthorized: { type: "authentication_error", code: "invalid_api_key" },
  forbidden: { type: "permission_error", code: "insufficient_permissions" },
  not_found: { type: "invalid_request_error", code: "not_found" },
  method_not_allowed: { type: "invalid_request_error", code: "method_not_allowed" },
  conflict: { type: "invalid_request_error", code: "conflict" },
  rate_limited: { type: "rate_limit_error", code: "rate_limit_exceeded" },
  payload_too_large: { type: "invalid_request_error", code: "request_too_large" },
  timeout: { type: "server_error", code: "timeout" },
  unavailable: { type: "server_error", code: "unavailable" },
  aborted: { type: "server_error", code: "aborted" },
  upstream_error: { type: "server_error", code: "upstream_error" },
  internal: { type: "server_error", code: "internal" },
};

/** The details a `/v1` error may carry (`HubError.details`). */
export interface OpenAiErrorDetails {
  /** The specific cause, answered as OpenAI's `code` (`invalid_json`, `upstream_timeout`). */
  reason?: string;
  /** The request field at fault, answered as OpenAI's `param` (`model`). */
  param?: string;
}

/** A HubError for `/v1` with its specific cause (and the field at fault). */
export function llmError(
  code: ErrorCode,
  message: string,
  details: OpenAiErrorDetails = {},
): HubError {
  return new HubError(code, message, { details: { ...details } });
}

/**
 * The one mapping of a HubError to OpenAI's shape: the status of its code,
 * the `type` of {@linkcode OPENAI_ERRORS}, `details.reason` as `code` (else
 * the table's) and `details.param` as `param`.
 */
export function toOpenAiError(error: HubError): OpenAiErrorAnswer {
  const { type, code } = OPENAI_ERRORS[error.code];
  const reason = error.details?.reason;
  const param = error.details?.param;
  return {
    status: error.mapping.http,
    body: {
      error: {
        message: error.message,
        type,
        param: typeof param === "string" ? param : null,
        code: typeof reason === "string" ? reason : code,
      },
    },
  };
}

/** A model that does not exist or the key may not use: one answer for both, as OpenAI gives. */
export function modelNotFound(model: string): HubError {
  return llmError(
    "not_found",
    `The model \`${model}\` does not exist or you do not have access to it.`,
    { reason: "model_not_found", param: "model" },
  );
}
