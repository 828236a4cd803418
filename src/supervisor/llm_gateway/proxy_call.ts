import type { VerifiedApiKey } from "../../auth/mod.ts";
import {
  estimateInputTokens,
  estimateRequestTokens,
  openAiError,
  type OpenAiErrorType,
} from "../../llm_catalog/mod.ts";
import type { LlmEndpoint, ProxyResponse, ProxySummary } from "../../actors/llm_proxy/mod.ts";
import type { NewLlmUsageRow } from "../../storage/mod.ts";
import type { LlmGateway } from "./gateway.ts";
import { hasLimits, type LimitLease } from "./limiter.ts";
import type { ProxySink } from "./pool.ts";

/** One `/v1` request as the route hands it over. */
export interface ProxyCallInput {
  requestId: string;
  key: VerifiedApiKey;
  endpoint: LlmEndpoint;
  body: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

const encoder = new TextEncoder();

/**
 * Proxies one request: validates the body, resolves the model for the key,
 * applies the key's limits, dispatches to the pool and answers with the
 * actor's response — a stream is written to the client chunk by chunk as it
 * arrives. Every request leaves one usage record, whatever its outcome.
 */
export async function proxyCall(gateway: LlmGateway, input: ProxyCallInput): Promise<Response> {
  const started = performance.now();
  const { key, endpoint, requestId } = input;
  const baseHeaders: Record<string, string> = { "x-request-id": requestId };
  const row: NewLlmUsageRow = {
    requestId,
    keyId: key.id,
    endpoint,
    requestedModel: "",
    stream: false,
    status: 0,
    latencyMs: 0,
    startedAt: new Date(),
  };
  let lease: LimitLease | undefined;
  const finish = (status: number, summary?: ProxySummary, ttfcMs?: number) => {
    row.status = status;
    row.latencyMs = performance.now() - started;
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
    gateway.usage.record(row);
    if (lease) {
      void gateway.limiter.settle(lease, (row.inputTokens ?? 0) + (row.outputTokens ?? 0))
        .catch(() => {});
    }
  };
  const fail = (
    status: number,
    type: OpenAiErrorType,
    code: string,
    message: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) => {
    row.errorCode = code;
    finish(status);
    return Response.json(openAiError(message, type, code, param), {
      status,
      headers: { ...baseHeaders, ...headers },
    });
  };

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(input.body);
  } catch (error) {
    return fail(
      400,
      "invalid_request_error",
      "invalid_json",
      `Cannot parse request body: ${(error as Error).message}`,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(
      400,
      "invalid_request_error",
      "invalid_request",
      "Request body must be a JSON object",
    );
  }
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    return fail(
      400,
      "invalid_request_error",
      "missing_model",
      "You must provide a model parameter.",
      "model",
    );
  }
  row.requestedModel = model;
  if (endpoint === "chat" && !Array.isArray(body.messages)) {
    return fail(
      400,
      "invalid_request_error",
      "invalid_messages",
      "`messages` must be an array.",
      "messages",
    );
  }
  if (endpoint === "embeddings" && body.input === undefined) {
    return fail(
      400,
      "invalid_request_error",
      "missing_input",
      "You must provide an input parameter.",
      "input",
    );
  }
  const catalog = gateway.catalog();
  const resolved = catalog.resolve(model);
  const allowed = resolved ? catalog.allowed(resolved, key.scopes) : [];
  if (allowed.length === 0) {
    return fail(
      404,
      "invalid_request_error",
      "model_not_found",
      `The model \`${model}\` does not exist or you do not have access to it.`,
      "model",
    );
  }
  const stream = endpoint === "chat" && body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const includeUsage = stream && streamOptions?.include_usage === true;
  row.stream = stream;

  let limitHeaders: Record<string, string> = {};
  if (hasLimits(key.limits)) {
    const tokens = endpoint === "chat"
      ? estimateRequestTokens(input.body.length, body)
      : estimateInputTokens(input.body.length);
    let decision: Awaited<ReturnType<typeof gateway.limiter.acquire>>;
    try {
      decision = await gateway.limiter.acquire({ keyId: key.id, limits: key.limits, tokens });
    } catch {
      // The limiter's store (Redis) is down: refuse rather than admit past the key's limits.
      return fail(
        503,
        "server_error",
        "limiter_unavailable",
        "The hub cannot check this key's rate limits right now. Please try again.",
      );
    }
    limitHeaders = decision.headers;
    if (!decision.admitted) {
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
      return fail(429, "rate_limit_error", "rate_limit_exceeded", message, null, headers);
    }
    lease = decision.lease;
  }

  return new Promise<Response>((resolve) => {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let ttfcMs: number | undefined;
    let abort = () => {};
    const onAbort = () => abort();
    const done = (status: number, summary: ProxySummary) => {
      input.signal.removeEventListener("abort", onAbort);
      finish(status, summary, ttfcMs);
    };
    const write = (data: Uint8Array) => {
      try {
        controller!.enqueue(data);
      } catch { /* the client is gone; the abort reaches the actor */ }
    };
    // Ends a stream already started with an OpenAI-style error payload.
    const failStream = (payload: unknown, summary: ProxySummary) => {
      write(encoder.encode(`data: ${JSON.stringify(payload)}\n\n`));
      try {
        controller!.close();
      } catch { /* already cancelled */ }
      done(200, summary);
    };
    const sink: ProxySink = {
      response(message) {
        if (controller) {
          // The actor failed after the stream started: its answer can only end the stream.
          failStream(errorPayloadOf(message), message.summary);
          return;
        }
        ttfcMs = performance.now() - started;
        resolve(
          new Response(message.body, {
            status: message.status,
            headers: {
              "content-type": "application/json",
              ...baseHeaders,
              ...limitHeaders,
              ...message.headers,
            },
          }),
        );
        done(message.status, message.summary);
      },
      head(data) {
        ttfcMs = performance.now() - started;
        const body = new ReadableStream<Uint8Array>({
          start: (c) => {
            controller = c;
            if (data.byteLength > 0) c.enqueue(data);
          },
          cancel: () => abort(),
        });
        resolve(
          new Response(body, {
            status: 200,
            headers: {
              "content-type": "text/event-stream; charset=utf-8",
              "cache-control": "no-cache",
              "x-accel-buffering": "no",
              ...baseHeaders,
              ...limitHeaders,
            },
          }),
        );
      },
      chunk(data) {
        ttfcMs ??= performance.now() - started;
        write(data);
      },
      end(summary) {
        try {
          controller!.close();
        } catch { /* already cancelled */ }
        done(200, summary);
      },
      lost(message) {
        const summary: ProxySummary = {
          provider: null,
          model: null,
          inputTokens: estimateInputTokens(input.body.length),
          outputTokens: 0,
          estimated: true,
          errorCode: "actor_unavailable",
          ttfcMs: null,
          attempts: 1,
        };
        if (controller) {
          failStream(openAiError(message, "server_error", "actor_unavailable"), summary);
          return;
        }
        resolve(
          Response.json(openAiError(message, "server_error", "actor_unavailable"), {
            status: 503,
            headers: { ...baseHeaders, ...limitHeaders },
          }),
        );
        done(503, summary);
      },
    };
    try {
      if (!gateway.pool) throw new Error("Cannot proxy request: no llm-proxy actor is running");
      abort = gateway.pool.dispatch({
        endpoint,
        body: input.body,
        model,
        allowed: allowed.map((d) => d.id),
        stream,
        includeUsage,
      }, sink);
    } catch (error) {
      resolve(
        fail(503, "server_error", "unavailable", (error as Error).message, null, limitHeaders),
      );
      return;
    }
    if (input.signal.aborted) abort();
    else input.signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The OpenAI error a whole response carries, or one saying it failed. */
function errorPayloadOf(message: ProxyResponse): unknown {
  try {
    const body = JSON.parse(new TextDecoder().decode(message.body));
    if (typeof body?.error === "object" && body.error !== null) return body;
  } catch { /* not JSON: described below */ }
  const code = message.summary.errorCode ?? "internal";
  return openAiError(
    `Cannot finish request: the proxy answered HTTP ${message.status} mid-stream`,
    "server_error",
    code,
  );
}
