import type { Context } from "hono";
import { type ErrorCode, toHubError } from "@hub/errors";
import { openAiError, type OpenAiErrorType } from "../../../llm_catalog/mod.ts";
import { logIfInternal } from "../errors.ts";

const TYPES: Partial<Record<ErrorCode, [OpenAiErrorType, string]>> = {
  bad_request: ["invalid_request_error", "invalid_request"],
  unauthorized: ["authentication_error", "invalid_api_key"],
  forbidden: ["permission_error", "insufficient_permissions"],
  not_found: ["not_found_error", "not_found"],
  rate_limited: ["rate_limit_error", "rate_limit_exceeded"],
  payload_too_large: ["invalid_request_error", "request_too_large"],
  conflict: ["invalid_request_error", "conflict"],
};

/** Sends any throw on a `/v1` route in OpenAI's error shape, with `x-request-id`. */
export function sendOpenAiError(c: Context, thrown: unknown): Response {
  const error = toHubError(thrown);
  const requestId = c.get("requestId") as string | undefined;
  logIfInternal(c, error, thrown);
  const [type, code] = TYPES[error.code] ?? ["server_error", error.code];
  const headers: Record<string, string> = {};
  if (requestId) headers["x-request-id"] = requestId;
  if (error.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="alk hub"';
  return Response.json(openAiError(error.message, type, code), {
    status: error.mapping.http,
    headers,
  });
}
