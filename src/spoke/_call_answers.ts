/**
 * Where the answers and progress of a spoke's calls go: onto the connection
 * to the hub, as long as each fits in one frame. The hub closes the whole
 * connection (1009) on a frame above its limit, failing every call of the
 * spoke, so a message that cannot fit is never sent: an output too large
 * becomes a `payload_too_large` answer, progress too large is dropped.
 *
 * @module
 */
import type { OperationLog } from "@alkdev/operations";
import type { SerializedError } from "@hub/errors";
import type { CallSink } from "./_calls.ts";
import { encodeMessage } from "./protocol.ts";

/** Options of {@linkcode CallAnswers}. */
export interface CallAnswersOptions {
  /** Queues an encoded message on the current connection; false if there is none. */
  push(message: string): boolean;
  /** The hub's frame limit in UTF-8 bytes. */
  maxFrameBytes: number;
  log?: OperationLog;
}

/** Sends the answers of calls, each only if it fits in one frame. */
export class CallAnswers implements CallSink {
  readonly #options: CallAnswersOptions;

  constructor(options: CallAnswersOptions) {
    this.#options = options;
  }

  responded(requestId: string, output: unknown): void {
    if (this.#pushIfFits(encodeMessage("call.responded", requestId, { requestId, output }))) {
      return;
    }
    const max = this.#options.maxFrameBytes;
    this.#options.log?.warn(
      "Output of call {requestId} exceeds {max} bytes: answering payload_too_large",
      { requestId, max },
    );
    this.failed(requestId, {
      code: "payload_too_large",
      message: `Cannot answer call: its output exceeds the ${max}-byte frame limit`,
    });
  }

  failed(requestId: string, error: SerializedError): void {
    this.#options.push(encodeMessage("call.error", requestId, { requestId, error }));
  }

  progress(requestId: string, progress: unknown): void {
    if (this.#pushIfFits(encodeMessage("call.progress", requestId, { requestId, progress }))) {
      return;
    }
    this.#options.log?.warn("Dropped progress of call {requestId}: it exceeds {max} bytes", {
      requestId,
      max: this.#options.maxFrameBytes,
    });
  }

  // Queues `message` unless it cannot fit in one frame; says whether it fits. A UTF-16 unit
  // is at most 3 UTF-8 bytes, so most messages are decided without encoding them.
  #pushIfFits(message: string): boolean {
    const max = this.#options.maxFrameBytes;
    const fits = message.length * 3 <= max ||
      (message.length <= max && new TextEncoder().encode(message).length <= max);
    if (fits) this.#options.push(message);
    return fits;
  }
}
