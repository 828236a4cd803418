/**
 * `HubLink`: one WebSocket connection of a spoke to its hub — the socket, its
 * outbox and its heartbeat. A link lives for one connection; reconnecting
 * makes a new one, so nothing of a lost connection leaks into the next.
 *
 * @module
 */
import type { OperationLog } from "@alkdev/operations";
import { Outbox } from "./outbox.ts";
import {
  encodeMessage,
  type FrameDecoder,
  type HubMessage,
  type SpokeMessageMap,
  type SpokeMessageType,
  SUBPROTOCOL,
} from "./protocol.ts";

/** Options of {@linkcode HubLink}. */
export interface HubLinkOptions {
  url: string;
  apiKey: string;
  /** `"header"`: `Authorization` at the upgrade; `"frame"`: a first `auth` frame. */
  auth: "header" | "frame";
  decoder: FrameDecoder<HubMessage>;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  log?: OperationLog;
  onMessage(message: HubMessage): void;
  /** Called once, when the socket closed or was dropped. */
  onClose(code: number, reason: string): void;
}

/** One connection to the hub. */
export class HubLink {
  readonly #options: HubLinkOptions;
  readonly #socket: WebSocket;
  readonly #outbox: Outbox;
  #lastSeen = Date.now();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #ended = false;

  /** Opens the socket; `onMessage` and `onClose` report what happens on it. */
  constructor(options: HubLinkOptions) {
    this.#options = options;
    this.#socket = options.auth === "frame"
      ? new WebSocket(options.url, [SUBPROTOCOL])
      : new WebSocket(options.url, {
        protocols: [SUBPROTOCOL],
        headers: { authorization: `Bearer ${options.apiKey}` },
      });
    this.#outbox = new Outbox(this.#socket, {
      maxBufferedBytes: options.maxBufferedBytes,
      maxFrameBytes: options.maxFrameBytes,
    });
    this.#socket.addEventListener("open", () => this.#onOpen());
    this.#socket.addEventListener("message", (event) => this.#onFrame(event.data));
    this.#socket.addEventListener("error", () => {}); // the close event follows
    this.#socket.addEventListener("close", (event) => this.#end(event.code, event.reason));
  }

  /** True while the socket is open (a graceful close needs the hub to hear it). */
  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Queues one message; false once the socket is closing. */
  send<K extends SpokeMessageType>(type: K, id: string, payload: SpokeMessageMap[K]): boolean {
    return this.#outbox.push(encodeMessage(type, id, payload));
  }

  /** Queues one encoded message (the caller checked its size). */
  push(message: string): boolean {
    return this.#outbox.push(message);
  }

  /** Sends what is queued now, before a close. */
  flush(): void {
    this.#outbox.flush();
  }

  /**
   * Sends a heartbeat every `intervalMs` (the hub's welcome says how often) and
   * drops the link once the hub has been silent for `timeoutMs`.
   */
  startHeartbeat(intervalMs: number, timeoutMs: number): void {
    this.stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastSeen > timeoutMs) {
        this.#options.log?.warn("No word from the hub for {ms} ms: reconnecting", {
          ms: timeoutMs,
        });
        this.drop(4408, "heartbeat timeout");
        return;
      }
      this.send("heartbeat", String(Date.now()), { at: Date.now() });
    }, intervalMs);
  }

  /** Stops the heartbeat (the link is closed, or the spoke stopped for good). */
  stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Starts the close handshake; `onClose` runs when the hub answers it. */
  close(code: number, reason: string): void {
    this.#socket.close(code, reason);
  }

  /**
   * Closes and counts the link as gone now: a dead peer may never finish the
   * close handshake. `code` is reported to `onClose`; the socket itself closes
   * with 1000 for codes an application may not send (1013, 4408 are ours).
   */
  drop(code: number, reason: string): void {
    try {
      this.#socket.close(code === 1013 || code === 4408 ? 1000 : code, reason);
    } catch { /* already closed */ }
    this.#end(code, reason);
  }

  #onOpen(): void {
    this.#lastSeen = Date.now();
    if (this.#options.auth === "frame") {
      this.send("auth", "auth", { apiKey: this.#options.apiKey });
    }
  }

  #onFrame(data: unknown): void {
    this.#lastSeen = Date.now();
    const decoded = this.#options.decoder.decode(data);
    if (!decoded.ok) {
      this.#options.log?.warn("Ignoring a bad frame from the hub: {reason}", {
        reason: decoded.reason,
      });
      return;
    }
    for (const message of decoded.messages) this.#options.onMessage(message);
  }

  #end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.stopHeartbeat();
    this.#options.onClose(code, reason);
  }
}
