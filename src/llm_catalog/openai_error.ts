/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */

/** The `type` values OpenAI uses. */
export type OpenAiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "api_error";

/** An OpenAI error body. */
export interface OpenAiError {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

/** Builds an OpenAI error body. */
export function openAiError(
  message: string,
  type: OpenAiErrorType,
  code: string | null = null,
  param: string | null = null,
): OpenAiError {
  return { error: { message, type, param, code } };
}
