/**
 * Talking to one upstream: the request it gets, and the hub error each way
 * it can fail. Failures name the deployment and the upstream's status, never
 * the upstream's own message (it may name the provider account or key).
 *
 * @module
 */
import type { ErrorCode, HubError } from "@hub/errors";
import { type Deployment, estimateInputTokens, llmError } from "../../llm_catalog/mod.ts";
import type { ProxyRequest, ProxySummary } from "./protocol.ts";
import type { UpstreamUsage } from "./sse_filter.ts";

/** Why an attempt failed: the error the client gets if no later deployment answers. */
export interface Failure {
  error: HubError;
  /** Response headers to pass on (an upstream 429's `retry-after`). */
  headers?: Record<string, string>;
}

/** The upstream request of `req` for `deployment`. */
export function upstreamRequest(
  req: ProxyRequest,
  deployment: Deployment,
  signal: AbortSignal,
): Request {
  const path = req.endpoint === "chat" ? "chat/completions" : "embeddings";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
  return new Request(`${deployment.baseURL}/${path}`, {
    method: "POST",
    headers,
    body: upstreamBody(req, deployment),
    signal,
  });
}

/** The body for the upstream: the client's, with the upstream's model name and usage asked for. */
function upstreamBody(req: ProxyRequest, deployment: Deployment): string {
  const askUsage = req.stream && !req.includeUsage;
  if (!askUsage && deployment.model === req.model) return req.body;
  const body = JSON.parse(req.body) as Record<string, unknown>;
  body.model = deployment.model;
  if (askUsage) {
    const options = typeof body.stream_options === "object" && body.stream_options !== null
      ? body.stream_options as Record<string, unknown>
      : {};
    body.stream_options = { ...options, include_usage: true };
  }
  return JSON.stringify(body);
}

/**
 * Puts the upstream's usage into `summary`, or an estimate when it reported
 * none. Only counts are taken (an odd `usage`, e.g. `completion_tokens: {}`,
 * must not reach the token settlement as a non-number): a count that is not
 * one is estimated — the prompt from the body, the output as `fallbackOutput`.
 */
export function applyUsage(
  summary: ProxySummary,
  usage: UpstreamUsage | undefined,
  req: ProxyRequest,
  fallbackOutput = 0,
): void {
  const input = tokenCount(usage?.prompt_tokens);
  const output = tokenCount(usage?.completion_tokens);
  summary.estimated = input === undefined || output === undefined;
  summary.inputTokens = input ?? estimateInputTokens(req.body.length);
  summary.outputTokens = output ?? fallbackOutput;
}

function tokenCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A fetch that threw: a timeout, or the upstream could not be reached. */
export function fetchFailure(deployment: Deployment, error: unknown, timeoutMs: number): Failure {
  if ((error as DOMException)?.name === "TimeoutError") {
    return {
      error: llmError(
        "timeout",
        `Upstream "${deployment.id}" did not answer within ${timeoutMs} ms`,
        { reason: "upstream_timeout" },
      ),
    };
  }
  // fetch quotes a header value it refuses (a provider key with a line break): never the key.
  let detail = messageOf(error);
  if (deployment.apiKey) detail = detail.replaceAll(deployment.apiKey.trim(), "<provider key>");
  return {
    error: llmError("upstream_error", `Cannot reach upstream "${deployment.id}": ${detail}`, {
      reason: "upstream_unreachable",
    }),
  };
}

/** An answer worth trying the next deployment for: 429, 5xx, or the hub's key refused (401/403). */
export function isRetryable(status: number): boolean {
  return status === 429 || status >= 500 || status === 401 || status === 403;
}

/** The failure of a retryable answer (its body is dropped unread). */
export async function upstreamFailure(
  deployment: Deployment,
  response: Response,
): Promise<Failure> {
  await response.body?.cancel().catch(() => {});
  const status = response.status;
  if (status === 401 || status === 403) {
    // The hub's credentials, not the client's: the client's key is not at fault.
    return {
      error: llmError(
        "upstream_error",
        `Upstream "${deployment.id}" refused the hub's credentials (HTTP ${status})`,
      ),
    };
  }
  if (status === 429) {
    const headers: Record<string, string> = {};
    const retryAfter = response.headers.get("retry-after");
    if (retryAfter) headers["retry-after"] = retryAfter;
    return {
      error: llmError("rate_limited", `Upstream "${deployment.id}" is rate limited (HTTP 429)`),
      headers,
    };
  }
  return {
    error: llmError("upstream_error", `Upstream "${deployment.id}" failed (HTTP ${status})`),
  };
}

/**
 * The error of an upstream 4xx whose body is empty or not JSON: the
 * client gets OpenAI's shape (the SDK says "no body" otherwise), with the
 * status of the nearest hub code.
 */
export function bodylessRefusal(deployment: Deployment, status: number, empty: boolean): HubError {
  const what = empty ? "without an error body" : "with an error body that is not JSON";
  return llmError(
    codeOfStatus(status),
    `Upstream "${deployment.id}" answered HTTP ${status} ${what}`,
  );
}

function codeOfStatus(status: number): ErrorCode {
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  return "bad_request";
}

/** The upstream's `error.code` in a JSON error body, or `undefined`. */
export function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === "string" ? code : undefined;
}

/** `JSON.parse` of `bytes`, or `undefined` when they are empty or not JSON. */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** The message of any throw. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
