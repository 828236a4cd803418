/**
 * One proxied request: the fallback loop. Deployments are tried in the
 * balancer's order until one answers; an attempt that fails before any byte
 * reached the client (429, 5xx, the hub's key refused, connect failure,
 * timeout, broken body) cools its deployment down and moves on. A stream is
 * committed to once its first bytes arrive and is then piped, never retried.
 *
 * @module
 */
import type { HubError, SerializedError } from "@hub/errors";
import { type Deployment, modelNotFound, toOpenAiError } from "../../llm_catalog/mod.ts";
import type { Balancer } from "./balancer.ts";
import { emptySummary, type FromActor, type ProxyRequest, type ProxySummary } from "./protocol.ts";
import { usageOf } from "./sse_filter.ts";
import { clientClosed, pipeStream } from "./stream_pipe.ts";
import {
  applyUsage,
  bodylessRefusal,
  errorCodeOf,
  type Failure,
  fetchFailure,
  isRetryable,
  parseJson,
  upstreamFailure,
  upstreamRequest,
} from "./upstream.ts";

/** What a run needs from the proxy around it. */
export interface ProxyRunContext {
  balancer: Balancer;
  timeoutMs: number;
  fetch: typeof fetch;
  now: () => number;
  post(message: FromActor, transfer?: Transferable[]): void;
}

/** How an attempt ended: answered (the request is done), or failed (try the next one). */
type Attempted = { answered: true } | { answered: false; failure: Failure };

const ANSWERED: Attempted = { answered: true };

/** The state of one request across its attempts. */
export class ProxyRun {
  readonly #ctx: ProxyRunContext;
  readonly #req: ProxyRequest;
  /** Aborted when the client goes away (or the actor stops). */
  readonly #client: AbortSignal;
  readonly #started: number;
  readonly #summary: ProxySummary = emptySummary();

  constructor(ctx: ProxyRunContext, req: ProxyRequest, client: AbortSignal) {
    this.#ctx = ctx;
    this.#req = req;
    this.#client = client;
    this.#started = ctx.now();
  }

  /** Tries `candidates` in the balancer's order; posts the answer or the last failure. */
  async run(candidates: readonly Deployment[]): Promise<void> {
    if (candidates.length === 0) {
      // The catalog changed since the supervisor resolved the model.
      return this.#fail({ error: modelNotFound(this.#req.model) });
    }
    let failure: Failure | undefined;
    for (const deployment of this.#ctx.balancer.order(candidates)) {
      if (this.#client.aborted) break;
      const attempted = await this.#attempt(deployment);
      if (attempted.answered) return;
      failure = attempted.failure;
    }
    this.#fail(this.#client.aborted || !failure ? { error: clientClosed() } : failure);
  }

  /** Posts a failure before any byte reached the client. */
  #fail(failure: Failure): void {
    this.#summary.errorCode = toOpenAiError(failure.error).body.error.code;
    this.#summary.inputTokens = 0;
    this.#ctx.post({
      t: "fail",
      id: this.#req.id,
      error: serialize(failure.error),
      headers: failure.headers,
      summary: this.#summary,
    });
  }

  async #attempt(deployment: Deployment): Promise<Attempted> {
    const { balancer, timeoutMs } = this.#ctx;
    this.#summary.attempts++;
    this.#summary.provider = deployment.provider;
    this.#summary.model = deployment.model;
    const attempt = new AttemptSignal(this.#client, timeoutMs);
    // A failed attempt: cool the deployment down unless the client left (its fault, not the
    // deployment's), and let the loop try the next one.
    const failed = (failure: Failure): Attempted => {
      if (!this.#client.aborted) balancer.fail(deployment);
      return { answered: false, failure };
    };
    try {
      let response: Response;
      try {
        response = await this.#ctx.fetch(upstreamRequest(this.#req, deployment, attempt.signal));
      } catch (error) {
        return failed(fetchFailure(deployment, error, timeoutMs));
      }
      if (isRetryable(response.status)) {
        // Never pass these on: a 401/403 is about the hub's key, and the message may quote it.
        const failure = await upstreamFailure(deployment, response);
        balancer.fail(deployment);
        return { answered: false, failure };
      }
      if (!this.#req.stream || !response.ok) {
        let body: Uint8Array<ArrayBuffer>;
        try {
          body = new Uint8Array(await response.arrayBuffer());
        } catch (error) {
          // Slow or broken body: nothing reached the client yet, so fall back.
          return failed(fetchFailure(deployment, error, timeoutMs));
        }
        attempt.answered();
        balancer.succeed(deployment);
        this.#answerWhole(deployment, response.status, body);
        return ANSWERED;
      }
      // A stream: wait for its first bytes before committing, so a
      // deployment that stalls or breaks first can still be replaced.
      const reader = response.body!.getReader();
      let first: ReadableStreamReadResult<Uint8Array>;
      try {
        first = await reader.read();
      } catch (error) {
        return failed(fetchFailure(deployment, error, timeoutMs));
      }
      attempt.answered();
      balancer.succeed(deployment);
      await pipeStream({
        req: this.#req,
        reader,
        first,
        summary: this.#summary,
        started: this.#started,
        signal: attempt.signal,
        post: (message, transfer) => this.#ctx.post(message, transfer),
        now: this.#ctx.now,
      });
      return ANSWERED;
    } finally {
      attempt.dispose();
    }
  }

  /** The upstream's whole answer; an error without a JSON body becomes the hub's own. */
  #answerWhole(deployment: Deployment, status: number, body: Uint8Array<ArrayBuffer>): void {
    const summary = this.#summary;
    summary.ttfcMs = this.#ctx.now() - this.#started;
    const json = parseJson(body);
    if (status >= 200 && status < 300) applyUsage(summary, usageOf(body), this.#req);
    else if (json === undefined) {
      return this.#fail({ error: bodylessRefusal(deployment, status, body.byteLength === 0) });
    } else summary.errorCode = errorCodeOf(json) ?? `upstream_${status}`;
    this.#ctx.post({ t: "res", id: this.#req.id, status, body, summary }, [body.buffer]);
  }
}

/**
 * The signal of one attempt: aborted when the client leaves or when the
 * upstream has not answered within the timeout. Answering stops the clock.
 */
class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #client: AbortSignal;
  readonly #onClientAbort = () => this.#controller.abort(this.#client.reason);
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(client: AbortSignal, timeoutMs: number) {
    this.#client = client;
    client.addEventListener("abort", this.#onClientAbort);
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException("upstream timed out", "TimeoutError")),
      timeoutMs,
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The upstream answered in time: no timeout from now on. */
  answered(): void {
    clearTimeout(this.#timer);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#client.removeEventListener("abort", this.#onClientAbort);
  }
}

/** A HubError as it crosses the data port (structured clone drops its class). */
export function serialize(error: HubError): SerializedError {
  // Without the stack: the supervisor shows the message, and the stack is the actor's.
  return { code: error.code, message: error.message, details: error.details };
}
