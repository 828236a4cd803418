/**
 * Piping an upstream SSE stream to the supervisor once it is committed to
 * (its first bytes arrived): whole events through the filter, a mid-stream
 * failure as an OpenAI error payload, and the summary at the end.
 *
 * @module
 */
import { llmError, toOpenAiError } from "../../llm_catalog/mod.ts";
import type { FromActor, ProxyRequest, ProxySummary } from "./protocol.ts";
import { SseFilter } from "./sse_filter.ts";
import { applyUsage, messageOf } from "./upstream.ts";

const encoder = new TextEncoder();

/** What {@linkcode pipeStream} needs. */
export interface PipeStreamOptions {
  req: ProxyRequest;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** The first read, already done (it committed the request to this upstream). */
  first: ReadableStreamReadResult<Uint8Array>;
  /** Filled in as the stream goes; posted with the end. */
  summary: ProxySummary;
  /** When the request reached the actor, for the time to first chunk. */
  started: number;
  /** The attempt's signal: aborted by the client leaving (or the timeout). */
  signal: AbortSignal;
  post(message: FromActor, transfer?: Transferable[]): void;
  now(): number;
}

/** Pipes the stream to its end (or its failure) and posts `end` with the summary. */
export async function pipeStream(options: PipeStreamOptions): Promise<void> {
  const { req, reader, summary, signal } = options;
  const filter = new SseFilter(!req.includeUsage);
  const out = new ChunkSender(options);
  let result = options.first;
  try {
    while (!result.done) {
      out.send(filter.push(result.value));
      result = await reader.read();
    }
    out.send(filter.flush());
    summary.errorCode = filter.errorCode;
  } catch (error) {
    if (signal.aborted && (signal.reason as DOMException)?.name !== "TimeoutError") {
      summary.errorCode = toOpenAiError(clientClosed()).body.error.code;
    } else {
      const failure = llmError(
        "upstream_error",
        `Upstream stream from "${summary.provider}" failed: ${messageOf(error)}`,
      );
      const payload = toOpenAiError(failure).body;
      summary.errorCode = payload.error.code;
      out.send(encoder.encode(`data: ${JSON.stringify(payload)}\n\n`));
    }
    reader.cancel().catch(() => {});
  }
  applyUsage(summary, filter.usage, req, filter.chunks);
  out.finish();
}

/** The client closed the request: the aborted request's error (recorded, never sent). */
export function clientClosed() {
  return llmError("aborted", "Client closed the request", { reason: "client_closed" });
}

/**
 * Posts a stream's bytes: the first as `head` (one message fewer, and the
 * response starts with its first chunk already in its body), the rest as
 * `chunk`, each transferred rather than copied.
 */
class ChunkSender {
  readonly #options: PipeStreamOptions;
  #headSent = false;

  constructor(options: PipeStreamOptions) {
    this.#options = options;
  }

  send(data: Uint8Array | null): void {
    if (data === null) return;
    const { summary, req } = this.#options;
    if (summary.ttfcMs === null) summary.ttfcMs = this.#options.now() - this.#options.started;
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const bytes = (whole ? data : data.slice()) as Uint8Array<ArrayBuffer>;
    this.#options.post({ t: this.#headSent ? "chunk" : "head", id: req.id, data: bytes }, [
      bytes.buffer,
    ]);
    this.#headSent = true;
  }

  /** Posts the end (after an empty head if nothing was sent: the supervisor waits for one). */
  finish(): void {
    const { req, summary } = this.#options;
    if (!this.#headSent) this.#options.post({ t: "head", id: req.id, data: new Uint8Array(0) });
    this.#options.post({ t: "end", id: req.id, summary });
  }
}
