/**
 * `Outbox`: the sending side of one spoke socket, used by both ends. Messages
 * queued in one microtask leave as one frame (a JSON array), which keeps the
 * per-frame cost — and, from a Deno client without TCP_NODELAY, Nagle's
 * stall between back-to-back small frames — off the per-message path. A peer
 * that does not read cannot grow the sender's memory: past
 * `maxBufferedBytes` of unsent backlog the socket is closed (1008).
 *
 * @module
 */

/** Options of {@linkcode Outbox}. */
export interface OutboxOptions {
  /** Unsent bytes the socket may hold before the peer counts as a slow consumer. */
  maxBufferedBytes: number;
  /** Most UTF-8 bytes per frame (the peer's limit). */
  maxFrameBytes: number;
  /** Called once when the peer was dropped as a slow consumer. */
  onSlowConsumer?: () => void;
}

/** Batches encoded messages into frames on one WebSocket. */
export class Outbox {
  readonly #ws: WebSocket;
  readonly #options: OutboxOptions;
  // At most max/3 UTF-16 units fit in max bytes whatever the text.
  readonly #budget: number;
  #queue: string[] = [];
  #scheduled = false;
  #failed = false;

  constructor(ws: WebSocket, options: OutboxOptions) {
    this.#ws = ws;
    this.#options = options;
    this.#budget = Math.floor(options.maxFrameBytes / 3) - 2;
  }

  /** False once the socket is closing or the peer was dropped. */
  get open(): boolean {
    return !this.#failed && this.#ws.readyState === WebSocket.OPEN;
  }

  /** Queues one encoded message; it leaves at the end of this microtask. */
  push(message: string): boolean {
    if (!this.open) return false;
    this.#queue.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return true;
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    if (queue.length === 0 || !this.open) return;
    if (queue.length === 1) return void this.#send(queue[0]);
    let start = 0;
    let units = 0;
    for (let i = 0; i <= queue.length; i++) {
      const size = i < queue.length ? queue[i].length + 1 : 0;
      if (i === queue.length || (units + size > this.#budget && i > start)) {
        const frame = i - start === 1 ? queue[start] : `[${queue.slice(start, i).join(",")}]`;
        if (!this.#send(frame)) return;
        start = i;
        units = 0;
      }
      units += size;
    }
  }

  #send(frame: string): boolean {
    if (this.#ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#failed = true;
      this.#queue = [];
      try {
        this.#ws.close(1008, "slow consumer");
      } catch { /* already closing */ }
      this.#options.onSlowConsumer?.();
      return false;
    }
    try {
      this.#ws.send(frame);
      return true;
    } catch {
      this.#failed = true; // the socket broke under us; its close event follows
      return false;
    }
  }
}
