import type { HubError } from "@hub/errors";
import type { VerifiedApiKey } from "../../auth/mod.ts";
import { estimateInputTokens, estimateRequestTokens, llmError } from "../../llm_catalog/mod.ts";
import type { LlmEndpoint } from "../../actors/llm_proxy/mod.ts";
import { hasLimits, type LimitLease, type LlmLimiter } from "./limiter.ts";

/** What {@linkcode admit} decided: go on (holding a lease), or a refusal to answer. */
export type Admission =
  | { admitted: true; lease?: LimitLease; headers: Record<string, string> }
  | {
    admitted: false;
    error: HubError;
    headers: Record<string, string>;
    /** The limit that refused, for the log (`requests`, `tokens`, `parallel`…), if one did. */
    limit?: string;
  };

/** What {@linkcode admit} checks. */
export interface AdmitInput {
  key: VerifiedApiKey;
  endpoint: LlmEndpoint;
  /** The raw body (its length estimates the prompt). */
  body: string;
  json: Record<string, unknown>;
}

/**
 * Checks and consumes the key's limits for one request, reserving its token
 * estimate. A key without limits is admitted without asking the limiter.
 */
export async function admit(limiter: LlmLimiter, input: AdmitInput): Promise<Admission> {
  const { key } = input;
  if (!hasLimits(key.limits)) return { admitted: true, headers: {} };
  const tokens = input.endpoint === "chat"
    ? estimateRequestTokens(input.body.length, input.json)
    : estimateInputTokens(input.body.length);
  let decision: Awaited<ReturnType<LlmLimiter["acquire"]>>;
  try {
    decision = await limiter.acquire({ keyId: key.id, limits: key.limits, tokens });
  } catch {
    // The limiter's store (Redis) is down: refuse rather than admit past the key's limits.
    return {
      admitted: false,
      headers: {},
      error: llmError(
        "unavailable",
        "The hub cannot check this key's rate limits right now. Please try again.",
        { reason: "limiter_unavailable" },
      ),
    };
  }
  if (decision.admitted) {
    return { admitted: true, lease: decision.lease, headers: decision.headers };
  }
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const headers: Record<string, string> = { ...decision.headers };
  let message: string;
  if (decision.limit === "tokens_too_large") {
    // Waiting cannot help: tell the SDK not to retry.
    headers["x-should-retry"] = "false";
    message =
      `Request too large: about ${tokens} tokens, above the key's limit of ${key.limits.tpm} tokens per minute.`;
  } else {
    headers["retry-after"] = String(seconds);
    headers["retry-after-ms"] = String(decision.retryAfterMs);
    message = decision.limit === "parallel"
      ? `Rate limit reached: ${key.limits.maxParallel} requests in flight at once for this key.`
      : `Rate limit reached for ${decision.limit} per minute on this key. Please try again in ${seconds}s.`;
  }
  return {
    admitted: false,
    error: llmError("rate_limited", message),
    headers,
    limit: decision.limit,
  };
}
