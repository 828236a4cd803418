/**
 * Outgoing side of a link: messages queued during one microtask leave as as
 * few frames as the size limit allows. Per-frame costs (a postMessage, a
 * WebSocket frame and its syscall) then stay off the per-event path, which is
 * why the link outpaces one raw send per event.
 *
 * @module
 */

/** The channel a link writes to. */
export interface LinkPort {
  /** False while the channel cannot send yet; queued frames go out on `flush()`. */
  readonly ready: boolean;
  send(frame: string): void;
}

/** Batches JSON messages into JSON-array frames of at most `maxBytes` UTF-8 bytes. */
export class FrameQueue {
  readonly #port: LinkPort;
  readonly #budget: number;
  readonly #stopped: () => boolean;
  readonly #onSendError: (error: unknown) => void;
  #queue: string[] = [];
  #scheduled = false;

  /** `stopped` is checked between frames: a send may close the link (backpressure). */
  constructor(
    port: LinkPort,
    maxBytes: number,
    stopped: () => boolean,
    onSendError: (error: unknown) => void,
  ) {
    this.#port = port;
    // At most max/3 UTF-16 units per frame fit in max bytes whatever the text;
    // a single larger message was checked exactly by the caller and goes alone.
    this.#budget = Math.floor(maxBytes / 3) - 2;
    this.#stopped = stopped;
    this.#onSendError = onSendError;
  }

  /** Queues one encoded message and schedules a flush at the end of this microtask. */
  push(message: string): void {
    this.#queue.push(message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Sends everything queued, if the port is ready. */
  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0 || this.#stopped() || !this.#port.ready) return;
    const queue = this.#queue;
    this.#queue = [];
    let start = 0;
    let units = 0;
    for (let i = 0; i <= queue.length; i++) {
      const size = i < queue.length ? queue[i].length + 1 : 0;
      if (i === queue.length || (units + size > this.#budget && i > start)) {
        if (!this.#send(`[${queue.slice(start, i).join(",")}]`)) return;
        start = i;
        units = 0;
      }
      units += size;
    }
  }

  /** Forgets what is queued. */
  clear(): void {
    this.#queue = [];
  }

  #send(frame: string): boolean {
    try {
      this.#port.send(frame);
      return !this.#stopped();
    } catch (error) {
      this.#onSendError(error);
      return false;
    }
  }
}
