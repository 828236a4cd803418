import type { HubError } from "@hub/errors";
import type { VerifiedApiKey } from "../../auth/mod.ts";
import type { LlmEndpoint, ProxySummary } from "../../actors/llm_proxy/mod.ts";
import { toOpenAiError } from "../../llm_catalog/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { NewLlmUsageRow } from "../../storage/mod.ts";
import type { LlmGateway } from "./gateway.ts";
import type { LimitLease } from "./limiter.ts";

const log = logger("llm");

/** Who made a request, for its record. */
export interface CallRecordInput {
  requestId: string;
  /** The client's own `x-request-id`, recorded apart. */
  clientRequestId?: string;
  key: VerifiedApiKey;
  endpoint: LlmEndpoint;
}

/**
 * The usage record of one `/v1` request, whatever its outcome, and the
 * token reservation it settles at the end. Refusals and upstream failures
 * are logged as warnings here, where every outcome passes.
 */
export class CallRecord {
  /** When the request reached the gateway (`performance.now()`). */
  readonly started = performance.now();
  /** The limiter's lease, settled with the actual tokens when the request ends. */
  lease: LimitLease | undefined;
  readonly #gateway: LlmGateway;
  readonly #input: CallRecordInput;
  readonly #row: NewLlmUsageRow;
  #finished = false;

  constructor(gateway: LlmGateway, input: CallRecordInput) {
    this.#gateway = gateway;
    this.#input = input;
    this.#row = {
      requestId: input.requestId,
      clientRequestId: input.clientRequestId ?? null,
      keyId: input.key.id,
      endpoint: input.endpoint,
      requestedModel: "",
      stream: false,
      status: 0,
      latencyMs: 0,
      startedAt: new Date(),
    };
  }

  /** The body was valid: what it asked for. */
  requested(model: string, stream: boolean): void {
    this.#row.requestedModel = model;
    this.#row.stream = stream;
  }

  /** Milliseconds since the request reached the gateway. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /** A failure the client is told of: the code it saw, and a warning when an operator cares. */
  failed(error: HubError, options: { limit?: string } = {}): void {
    this.#row.errorCode = toOpenAiError(error).body.error.code;
    warnIfNeeded(error, { ...this.#input, limit: options.limit, model: this.#row.requestedModel });
  }

  /** A stream ended: a failure after its start (the upstream's error payload, a cut) is logged. */
  streamEnded(summary: ProxySummary): void {
    const code = summary.errorCode;
    if (code === null || code === "client_closed") return;
    log.warn("LLM stream {requestId} failed upstream mid-stream with {code}", {
      requestId: this.#input.requestId,
      keyPrefix: this.#input.key.prefix,
      endpoint: this.#input.endpoint,
      model: this.#row.requestedModel,
      provider: summary.provider,
      code,
    });
  }

  /** Queues the record and settles the lease; once, whatever calls it first. */
  finish(status: number, summary?: ProxySummary, ttfcMs?: number): void {
    if (this.#finished) return;
    this.#finished = true;
    const row = this.#row;
    row.status = status;
    row.latencyMs = this.elapsed();
    if (ttfcMs !== undefined) row.ttfcMs = ttfcMs;
    if (summary) {
      row.provider = summary.provider;
      row.model = summary.model;
      row.inputTokens = summary.inputTokens;
      row.outputTokens = summary.outputTokens;
      row.usageEstimated = summary.estimated;
      row.errorCode = summary.errorCode;
      row.attempts = summary.attempts;
    }
    this.#gateway.usage.record(row);
    if (this.lease) {
      void this.#gateway.limiter.settle(
        this.lease,
        (row.inputTokens ?? 0) + (row.outputTokens ?? 0),
      )
        .catch(() => {});
    }
  }
}

interface WarnContext extends CallRecordInput {
  model: string;
  limit?: string;
}

/** Upstream failures and 429 refusals are an operator's business; a client's own mistakes are not. */
function warnIfNeeded(error: HubError, context: WarnContext): void {
  const properties = {
    requestId: context.requestId,
    keyPrefix: context.key.prefix,
    endpoint: context.endpoint,
    model: context.model,
    code: toOpenAiError(error).body.error.code,
    error: error.message,
  };
  if (error.code === "rate_limited") {
    log.warn("Refused LLM request {requestId} with 429: {limit} limit ({error})", {
      ...properties,
      limit: context.limit ?? "upstream",
    });
  } else if (
    error.code === "upstream_error" || error.code === "timeout" || error.code === "unavailable"
  ) {
    log.warn("LLM request {requestId} failed with {code}: {error}", properties);
  }
}
