import {
  Catalog,
  type CatalogData,
  type Deployment,
  estimateInputTokens,
  openAiError,
} from "../../llm_catalog/mod.ts";
import { Balancer } from "./balancer.ts";
import type {
  FromActor,
  LlmProxyOptions,
  ProxyRequest,
  ProxySummary,
  ToActor,
} from "./protocol.ts";
import { SseFilter, type UpstreamUsage, usageOf } from "./sse_filter.ts";

/** What the proxy needs from its surroundings; injected so tests run it in-process. */
export interface LlmProxyPorts {
  options: LlmProxyOptions;
  /** Sends on the data port (transferring `transfer`). */
  post(message: FromActor, transfer?: Transferable[]): void;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The proxy's behaviour: handles data-port messages, given a catalog. */
export interface LlmProxy {
  handle(message: ToActor): void;
  configure(catalog: CatalogData): void;
  stats(): { inFlight: number; coolingDown: string[] };
  /** Aborts every request in flight (the actor is stopping). */
  abortAll(): void;
}

interface Failure {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();
const SSE_ERROR_PREFIX = "data: ";

/** Creates the proxy logic of one llm-proxy actor. */
export function createLlmProxy(ports: LlmProxyPorts): LlmProxy {
  const { timeoutMs, cooldownMs } = ports.options;
  const doFetch = ports.fetch ?? fetch;
  const now = ports.now ?? performance.now.bind(performance);
  const balancer = new Balancer(cooldownMs, now);
  const inFlight = new Map<number, AbortController>();
  let catalog = new Catalog({ providers: [], aliases: {} });

  const post = ports.post;

  async function run(req: ProxyRequest, client: AbortController): Promise<void> {
    const started = now();
    const summary: ProxySummary = {
      provider: null,
      model: null,
      inputTokens: 0,
      outputTokens: 0,
      estimated: false,
      errorCode: null,
      ttfcMs: null,
      attempts: 0,
    };
    const respondError = (failure: Failure) => {
      summary.errorCode = failure.code;
      summary.inputTokens = 0;
      const body = encoder.encode(JSON.stringify(
        openAiError(failure.message, errorType(failure.status), failure.code),
      ));
      post(
        { t: "res", id: req.id, status: failure.status, body, headers: failure.headers, summary },
        [body.buffer],
      );
    };
    const resolved = catalog.resolve(req.model);
    const allowed = new Set(req.allowed);
    const candidates = resolved?.deployments.filter((d) => allowed.has(d.id)) ?? [];
    if (candidates.length === 0) {
      return respondError({
        status: 404,
        code: "model_not_found",
        message: `The model \`${req.model}\` does not exist or you do not have access to it.`,
      });
    }
    let failure: Failure | undefined;
    for (const deployment of balancer.order(candidates)) {
      if (client.signal.aborted) break;
      summary.attempts++;
      summary.provider = deployment.provider;
      summary.model = deployment.model;
      const attempt = new AbortController();
      const onClientAbort = () => attempt.abort(client.signal.reason);
      client.signal.addEventListener("abort", onClientAbort);
      const timer = setTimeout(
        () => attempt.abort(new DOMException("upstream timed out", "TimeoutError")),
        timeoutMs,
      );
      // A failed attempt (nothing has reached the client): note why, cool the deployment down
      // unless the client left, and let the loop try the next one.
      const attemptFailed = (error: unknown) => {
        failure = fetchFailure(deployment, error, timeoutMs);
        if (!client.signal.aborted) balancer.fail(deployment);
      };
      try {
        let response: Response;
        try {
          response = await doFetch(`${deployment.baseURL}/${pathOf(req)}`, {
            method: "POST",
            headers: headersFor(deployment),
            body: upstreamBody(req, deployment),
            signal: attempt.signal,
          });
        } catch (error) {
          attemptFailed(error);
          continue;
        }
        if (response.status === 429 || response.status >= 500) {
          failure = await upstreamFailure(deployment, response);
          balancer.fail(deployment);
          continue;
        }
        if (response.status === 401 || response.status === 403) {
          // The hub's credentials, not the client's: never pass the upstream's answer on
          // (it may quote the provider key); try the next deployment.
          await response.body?.cancel();
          failure = {
            status: 502,
            code: "upstream_error",
            message:
              `Upstream "${deployment.id}" refused the hub's credentials (HTTP ${response.status})`,
          };
          balancer.fail(deployment);
          continue;
        }
        if (!req.stream || !response.ok) {
          let body: Uint8Array<ArrayBuffer>;
          try {
            body = new Uint8Array(await response.arrayBuffer());
          } catch (error) {
            // Slow or broken body: nothing reached the client yet, so fall back.
            attemptFailed(error);
            continue;
          }
          clearTimeout(timer);
          balancer.succeed(deployment);
          summary.ttfcMs = now() - started;
          if (response.ok) applyUsage(summary, usageOf(body), req);
          else summary.errorCode = errorCodeOf(body) ?? `upstream_${response.status}`;
          post({ t: "res", id: req.id, status: response.status, body, summary }, [body.buffer]);
          return;
        }
        // A stream: wait for its first bytes before committing, so a
        // deployment that stalls or breaks first can still be replaced.
        const reader = response.body!.getReader();
        let first: ReadableStreamReadResult<Uint8Array>;
        try {
          first = await reader.read();
        } catch (error) {
          attemptFailed(error);
          continue;
        }
        clearTimeout(timer);
        balancer.succeed(deployment);
        await pipeStream(req, reader, first, summary, started, attempt.signal);
        return;
      } finally {
        clearTimeout(timer);
        client.signal.removeEventListener("abort", onClientAbort);
      }
    }
    if (client.signal.aborted) {
      return respondError({
        status: 499,
        code: "client_closed",
        message: "Client closed the request",
      });
    }
    respondError(failure!);
  }

  async function pipeStream(
    req: ProxyRequest,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    first: ReadableStreamReadResult<Uint8Array>,
    summary: ProxySummary,
    started: number,
    signal: AbortSignal,
  ): Promise<void> {
    const filter = new SseFilter(!req.includeUsage);
    // The head travels with the first bytes: one message fewer, and the
    // response starts with its first chunk already in its body.
    let headSent = false;
    const send = (data: Uint8Array | null) => {
      if (data === null) return;
      if (summary.ttfcMs === null) summary.ttfcMs = now() - started;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      const bytes = (whole ? data : data.slice()) as Uint8Array<ArrayBuffer>;
      post({ t: headSent ? "chunk" : "head", id: req.id, data: bytes }, [bytes.buffer]);
      headSent = true;
    };
    let result = first;
    try {
      while (!result.done) {
        send(filter.push(result.value));
        result = await reader.read();
      }
      send(filter.flush());
      summary.errorCode = filter.errorCode;
    } catch (error) {
      if (signal.aborted && (signal.reason as DOMException)?.name !== "TimeoutError") {
        summary.errorCode = "client_closed";
      } else {
        summary.errorCode = "upstream_error";
        const message = `Upstream stream from "${summary.provider}" failed: ${messageOf(error)}`;
        const payload = JSON.stringify(openAiError(message, "server_error", "upstream_error"));
        send(encoder.encode(`${SSE_ERROR_PREFIX}${payload}\n\n`));
      }
      reader.cancel().catch(() => {});
    }
    if (filter.usage) applyUsage(summary, filter.usage, req);
    else {
      summary.estimated = true;
      summary.inputTokens = estimateInputTokens(req.body.length);
      summary.outputTokens = filter.chunks;
    }
    if (!headSent) post({ t: "head", id: req.id, data: new Uint8Array(0) });
    post({ t: "end", id: req.id, summary });
  }

  return {
    handle(message) {
      if (message.t === "abort") {
        inFlight.get(message.id)?.abort(
          new DOMException("Client closed the request", "AbortError"),
        );
        return;
      }
      const client = new AbortController();
      inFlight.set(message.id, client);
      run(message, client)
        .catch((error) => {
          const body = encoder.encode(JSON.stringify(
            openAiError(`Cannot proxy request: ${messageOf(error)}`, "server_error", "internal"),
          ));
          post({
            t: "res",
            id: message.id,
            status: 500,
            body,
            summary: {
              provider: null,
              model: null,
              inputTokens: 0,
              outputTokens: 0,
              estimated: true,
              errorCode: "internal",
              ttfcMs: null,
              attempts: 0,
            },
          });
        })
        .finally(() => inFlight.delete(message.id));
    },
    configure(data) {
      catalog = new Catalog(data);
    },
    stats: () => ({ inFlight: inFlight.size, coolingDown: balancer.coolingDown() }),
    abortAll() {
      for (const controller of inFlight.values()) {
        controller.abort(new DOMException("Actor is stopping", "AbortError"));
      }
    },
  };
}

function pathOf(req: ProxyRequest): string {
  return req.endpoint === "chat" ? "chat/completions" : "embeddings";
}

function headersFor(deployment: Deployment): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
  return headers;
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

function applyUsage(summary: ProxySummary, usage: UpstreamUsage | undefined, req: ProxyRequest) {
  if (usage && typeof usage.prompt_tokens === "number") {
    summary.inputTokens = usage.prompt_tokens;
    summary.outputTokens = usage.completion_tokens ?? 0;
  } else {
    summary.estimated = true;
    summary.inputTokens = estimateInputTokens(req.body.length);
  }
}

function fetchFailure(deployment: Deployment, error: unknown, timeoutMs: number): Failure {
  if ((error as DOMException)?.name === "TimeoutError") {
    return {
      status: 504,
      code: "upstream_timeout",
      message: `Upstream "${deployment.id}" did not answer within ${timeoutMs} ms`,
    };
  }
  // fetch quotes a header value it refuses (a provider key with a line break): never the key.
  let detail = messageOf(error);
  if (deployment.apiKey) detail = detail.replaceAll(deployment.apiKey.trim(), "<provider key>");
  return {
    status: 502,
    code: "upstream_unreachable",
    message: `Cannot reach upstream "${deployment.id}": ${detail}`,
  };
}

async function upstreamFailure(deployment: Deployment, response: Response): Promise<Failure> {
  // Only the status: the upstream's own message may name the provider account or key.
  await response.body?.cancel().catch(() => {});
  const detail = `HTTP ${response.status}`;
  if (response.status === 429) {
    const headers: Record<string, string> = {};
    const retryAfter = response.headers.get("retry-after");
    if (retryAfter) headers["retry-after"] = retryAfter;
    return {
      status: 429,
      code: "rate_limit_exceeded",
      message: `Upstream "${deployment.id}" is rate limited (${detail})`,
      headers,
    };
  }
  return {
    status: 502,
    code: "upstream_error",
    message: `Upstream "${deployment.id}" failed (${detail})`,
  };
}

function errorCodeOf(body: Uint8Array): string | undefined {
  try {
    const code = JSON.parse(new TextDecoder().decode(body))?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

function errorType(status: number) {
  if (status === 429) return "rate_limit_error" as const;
  if (status === 404) return "not_found_error" as const;
  if (status >= 500 || status === 499) return "server_error" as const;
  return "invalid_request_error" as const;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
