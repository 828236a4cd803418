import { deserializeError, type HubError, toHubError } from "@hub/errors";
import {
  emptySummary,
  type ProxyFailure,
  type ProxyResponse,
  type ProxySummary,
} from "../../actors/llm_proxy/mod.ts";
import {
  estimateInputTokens,
  llmError,
  type OpenAiError,
  toOpenAiError,
} from "../../llm_catalog/mod.ts";
import type { CallRecord } from "./call_record.ts";
import type { ProxySink } from "./pool.ts";

const encoder = new TextEncoder();

/** A HubError as a `/v1` response in OpenAI's shape. */
export function openAiErrorResponse(error: HubError, headers: Record<string, string>): Response {
  const { status, body } = toOpenAiError(error);
  return Response.json(body, { status, headers });
}

/** What a {@linkcode ResponseBridge} answers with and listens to. */
export interface ResponseBridgeOptions {
  record: CallRecord;
  /** Headers of every answer (`x-request-id`, the key's `x-ratelimit-*`). */
  headers: Record<string, string>;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** Length of the request body, for the estimate of a request cut by an actor crash. */
  bodyLength: number;
}

/**
 * How far the answer has got: `waiting` (nothing sent, any answer is still
 * possible), `streaming` (a stream response went out: only chunks and an end,
 * or an error payload, can follow) or `done`.
 */
type BridgeState =
  | { name: "waiting" }
  | { name: "streaming"; controller: ReadableStreamDefaultController<Uint8Array> }
  | { name: "done" };

/**
 * Bridges what the pool reports for one request to the client's response:
 * a whole answer, or a stream written chunk by chunk as it arrives. The
 * response is {@linkcode ResponseBridge.answer}; the record is finished
 * once, when the request ends, however it ends.
 */
export class ResponseBridge implements ProxySink {
  /** The client's response: resolves with the whole answer, or as soon as a stream starts. */
  readonly answer: Promise<Response>;
  readonly #options: ResponseBridgeOptions;
  readonly #resolve: (response: Response) => void;
  #state: BridgeState = { name: "waiting" };
  #ttfcMs: number | undefined;
  #abort: () => void = () => {};
  readonly #onAbort = () => this.#abort();

  constructor(options: ResponseBridgeOptions) {
    this.#options = options;
    const { promise, resolve } = Promise.withResolvers<Response>();
    this.answer = promise;
    this.#resolve = resolve;
  }

  /** Dispatches with `dispatch` (which returns the abort); a refusal to dispatch is answered. */
  start(dispatch: (sink: ProxySink) => () => void): void {
    try {
      this.#abort = dispatch(this);
    } catch (thrown) {
      const error = toHubError(thrown);
      this.#options.record.failed(error);
      this.#answer(openAiErrorResponse(error, this.#options.headers), error.mapping.http);
      return;
    }
    const { signal } = this.#options;
    if (signal.aborted) this.#abort();
    else signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  response(message: ProxyResponse): void {
    if (this.#state.name === "streaming") {
      // The actor answered a request whose stream already started (a fault): its answer
      // can only end the stream.
      return this.#failStream(errorPayloadOf(message), message.summary);
    }
    this.#ttfcMs = this.#options.record.elapsed();
    const headers = { "content-type": "application/json", ...this.#options.headers };
    this.#answer(
      new Response(message.body, { status: message.status, headers }),
      message.status,
      message.summary,
    );
  }

  failed(message: ProxyFailure): void {
    const error = deserializeError(message.error);
    this.#options.record.failed(error);
    if (this.#state.name === "streaming") {
      return this.#failStream(toOpenAiError(error).body, message.summary);
    }
    const headers = { ...this.#options.headers, ...message.headers };
    this.#ttfcMs = this.#options.record.elapsed();
    this.#answer(openAiErrorResponse(error, headers), error.mapping.http, message.summary);
  }

  head(data: Uint8Array<ArrayBuffer>): void {
    this.#ttfcMs = this.#options.record.elapsed();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#state = { name: "streaming", controller };
        if (data.byteLength > 0) controller.enqueue(data);
      },
      cancel: () => this.#abort(),
    });
    this.#resolve(
      new Response(body, {
        status: 200,
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          "x-accel-buffering": "no",
          ...this.#options.headers,
        },
      }),
    );
  }

  chunk(data: Uint8Array): void {
    this.#ttfcMs ??= this.#options.record.elapsed();
    this.#write(data);
  }

  end(summary: ProxySummary): void {
    this.#close();
    this.#options.record.streamEnded(summary);
    this.#done(200, summary);
  }

  lost(error: HubError): void {
    this.#options.record.failed(error);
    const summary = emptySummary({
      inputTokens: estimateInputTokens(this.#options.bodyLength),
      estimated: true,
      errorCode: toOpenAiError(error).body.error.code,
      attempts: 1,
    });
    if (this.#state.name === "streaming") {
      return this.#failStream(toOpenAiError(error).body, summary);
    }
    this.#answer(
      openAiErrorResponse(error, this.#options.headers),
      error.mapping.http,
      summary,
    );
  }

  /** Answers a request nothing was sent for yet, and ends it. */
  #answer(response: Response, status: number, summary?: ProxySummary): void {
    this.#resolve(response);
    this.#done(status, summary);
  }

  /** Ends a stream already started with an OpenAI-style error payload. */
  #failStream(payload: OpenAiError, summary: ProxySummary): void {
    this.#write(encoder.encode(`data: ${JSON.stringify(payload)}\n\n`));
    this.#close();
    this.#done(200, summary);
  }

  #write(data: Uint8Array): void {
    if (this.#state.name !== "streaming") return;
    try {
      this.#state.controller.enqueue(data);
    } catch { /* the client is gone; the abort reaches the actor */ }
  }

  #close(): void {
    if (this.#state.name !== "streaming") return;
    try {
      this.#state.controller.close();
    } catch { /* already cancelled */ }
  }

  #done(status: number, summary?: ProxySummary): void {
    this.#state = { name: "done" };
    this.#options.signal.removeEventListener("abort", this.#onAbort);
    this.#options.record.finish(status, summary, this.#ttfcMs);
  }
}

/** The OpenAI error a whole response carries, or one saying it failed. */
function errorPayloadOf(message: ProxyResponse): OpenAiError {
  try {
    const body = JSON.parse(new TextDecoder().decode(message.body));
    if (typeof body?.error === "object" && body.error !== null) return body;
  } catch { /* not JSON: described below */ }
  const error = llmError(
    "internal",
    `Cannot finish request: the proxy answered HTTP ${message.status} mid-stream`,
    { reason: message.summary.errorCode ?? undefined },
  );
  return toOpenAiError(error).body;
}
