import type { Context } from "hono";
import { toHubError } from "@hub/errors";
import { openAiErrorResponse } from "../../llm_gateway/mod.ts";
import { logIfInternal } from "../errors.ts";

/** Sends any throw on a `/v1` route in OpenAI's shape (`toOpenAiError`), with `x-request-id`. */
export function sendOpenAiError(c: Context, thrown: unknown): Response {
  const error = toHubError(thrown);
  const requestId = c.get("requestId") as string | undefined;
  logIfInternal(c, error, thrown);
  const headers: Record<string, string> = {};
  if (requestId) headers["x-request-id"] = requestId;
  if (error.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="alk hub"';
  return openAiErrorResponse(error, headers);
}
