/**
 * One point-to-point link (a Worker port or a WebSocket) speaking the
 * protocol in `protocol.ts`. The link knows which topics each side wants:
 * it forwards an event only when the peer subscribed to its topic, so no
 * firehose crosses it. Outgoing messages are batched per microtask into as few
 * frames as `maxPayloadBytes` allows (see `_frame_queue.ts`).
 *
 * @module
 */

import { Drops } from "./_drops.ts";
import { FrameQueue, type LinkPort } from "./_frame_queue.ts";
import {
  type ControlMessage,
  decodeMessage,
  DEFAULT_MAX_PAYLOAD_BYTES,
  encodeEvent,
  EnvelopeEncoder,
  exceedsBytes,
  isReserved,
} from "./protocol.ts";
import type { EventEnvelope, OnDrop, PubSubEvent, TransportStats } from "./types.ts";

/** Options every link-based transport accepts. */
export interface LinkOptions {
  /** Largest frame accepted or sent, in UTF-8 bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Told about every dropped message (malformed, oversized, unknown control, …). */
  onDrop?: OnDrop;
  /** Whether the peer may subscribe to `topic`; default allows every topic. */
  authorize?: (topic: string) => boolean;
  /** Distinct topics the peer may subscribe to at once; beyond it, denied. Default 10,000. */
  maxRemoteTopics?: number;
}

/** What the link reports upward. */
export interface LinkHandlers {
  onEvent(topic: string, envelope: EventEnvelope): void;
  onPeerClose(): void;
}

/** See the module doc. */
export class Link {
  readonly drops: Drops;
  readonly #frames: FrameQueue;
  readonly #handlers: LinkHandlers;
  readonly #max: number;
  readonly #authorize: ((topic: string) => boolean) | undefined;
  readonly #maxRemoteTopics: number;
  readonly #local = new Map<string, number>();
  readonly #remote = new Map<string, number>();
  readonly #pings = new Map<number, { resolve(): void; reject(error: Error): void }>();
  #closed = false;
  #seq = 0;
  /** Told when the peer gains its first or drops its last subscription to a topic (the router listens). */
  onPeerTopic: ((topic: string, wanted: boolean) => void) | undefined;
  #sent = 0;
  #received = 0;
  readonly #encoder: EnvelopeEncoder;

  /** `encoder` may be shared by links that forward the same events (a server's connections). */
  constructor(
    port: LinkPort,
    options: LinkOptions,
    handlers: LinkHandlers,
    encoder: EnvelopeEncoder = new EnvelopeEncoder(),
  ) {
    this.#encoder = encoder;
    this.#handlers = handlers;
    this.#max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!(this.#max >= 64)) {
      throw new RangeError(`Cannot create link: maxPayloadBytes ${this.#max} < 64`);
    }
    this.#authorize = options.authorize;
    this.#maxRemoteTopics = options.maxRemoteTopics ?? 10_000;
    this.drops = new Drops(options.onDrop);
    this.#frames = new FrameQueue(port, this.#max, () => this.#closed, (error) => {
      this.drops.drop("closed", { detail: `send failed: ${String(error).slice(0, 200)}` });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Asks the peer for `topic` (reference-counted: one `__subscribe` per topic). */
  retain(topic: string): void {
    if (this.#closed || isReserved(topic)) return;
    const count = this.#local.get(topic) ?? 0;
    this.#local.set(topic, count + 1);
    if (count === 0) this.#control({ type: "__subscribe", topic });
  }

  /** Drops one reference to `topic`; the last one sends `__unsubscribe`. */
  release(topic: string): void {
    const count = this.#local.get(topic);
    if (this.#closed || count === undefined) return;
    if (count > 1) this.#local.set(topic, count - 1);
    else {
      this.#local.delete(topic);
      this.#control({ type: "__unsubscribe", topic });
    }
  }

  /** Sends a locally dispatched event if the peer subscribed to its topic. */
  forward(event: PubSubEvent): void {
    const topic = event.type;
    if (this.#closed || !this.#remote.has(topic)) return;
    const envelope = event.detail;
    if (typeof envelope !== "object" || envelope === null) {
      this.drops.drop("malformed", { topic, detail: "event detail is not an envelope" });
      return;
    }
    const body = this.#encoder.encode(envelope);
    if (body === undefined) {
      this.drops.drop("malformed", { topic, detail: "event is not a JSON-serializable envelope" });
      return;
    }
    const message = encodeEvent(topic, body);
    if (exceedsBytes(message, this.#max - 2)) {
      this.drops.drop("oversized", { topic, detail: "outgoing event exceeds maxPayloadBytes" });
      return;
    }
    this.#sent++;
    this.#frames.push(message);
  }

  /** Resolves once the peer has processed everything queued before this call. */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("Cannot sync link: it is closed"));
    const seq = ++this.#seq;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#pings.set(seq, { resolve, reject });
    this.#control({ type: "__ping", seq });
    return promise;
  }

  /** Handles one frame from the peer; bad input is dropped and counted, never thrown. */
  receive(data: unknown): void {
    if (this.#closed) return;
    if (typeof data !== "string") {
      this.drops.drop("malformed", { detail: "frame is not text" });
      return;
    }
    if (exceedsBytes(data, this.#max)) {
      this.drops.drop("oversized", { bytes: data.length, detail: "frame exceeds maxPayloadBytes" });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.drops.drop("malformed", { detail: "frame is not JSON" });
      return;
    }
    if (!Array.isArray(parsed)) this.#handle(parsed);
    else for (const message of parsed) if (!this.#closed) this.#handle(message);
  }

  /** Sends what is queued; ports call it when they become ready. */
  flush(): void {
    this.#frames.flush();
  }

  /** Stops the link; with `notifyPeer` the peer is told to close its side too. */
  close(notifyPeer: boolean): void {
    if (this.#closed) return;
    if (notifyPeer) {
      this.#frames.push('{"type":"__close"}');
      this.#frames.flush();
    }
    this.#closed = true;
    this.#frames.clear();
    this.#local.clear();
    const peerTopics = [...this.#remote.keys()];
    this.#remote.clear();
    for (const topic of peerTopics) this.onPeerTopic?.(topic, false);
    for (const ping of this.#pings.values()) ping.reject(new Error("Cannot sync link: it closed"));
    this.#pings.clear();
  }

  stats(): TransportStats {
    return {
      dropped: this.drops.snapshot(),
      sent: this.#sent,
      received: this.#received,
      localTopics: this.#local.size,
      remoteTopics: this.#remote.size,
    };
  }

  /** True when the peer subscribed to `topic`. */
  peerWants(topic: string): boolean {
    return this.#remote.has(topic);
  }

  /** Topics the peer subscribed to. */
  remoteTopics(): string[] {
    return [...this.#remote.keys()];
  }

  #control(message: ControlMessage): void {
    this.#frames.push(JSON.stringify(message));
  }

  #handle(value: unknown): void {
    const decoded = decodeMessage(value);
    switch (decoded.kind) {
      case "event": {
        const { topic, type, id, payload } = decoded.message;
        this.#received++;
        this.#handlers.onEvent(topic, { type, id, payload });
        return;
      }
      case "control":
        return this.#onControl(decoded.message);
      default:
        this.drops.drop(decoded.kind, { detail: decoded.detail });
    }
  }

  #onControl(message: ControlMessage): void {
    switch (message.type) {
      case "__subscribe": {
        const { topic } = message;
        const count = this.#remote.get(topic) ?? 0;
        if (count === 0 && this.#remote.size >= this.#maxRemoteTopics) {
          return this.drops.drop("denied", {
            topic,
            detail: `peer holds ${this.#maxRemoteTopics} topics`,
          });
        }
        if (this.#authorize !== undefined && !this.#authorize(topic)) {
          return this.drops.drop("denied", { topic, detail: "subscription not authorized" });
        }
        this.#remote.set(topic, count + 1);
        if (count === 0) this.onPeerTopic?.(topic, true);
        return;
      }
      case "__unsubscribe": {
        const count = this.#remote.get(message.topic) ?? 0;
        if (count > 1) this.#remote.set(message.topic, count - 1);
        else if (this.#remote.delete(message.topic)) this.onPeerTopic?.(message.topic, false);
        return;
      }
      case "__ping":
        return this.#control({ type: "__pong", seq: message.seq });
      case "__pong": {
        const ping = this.#pings.get(message.seq);
        this.#pings.delete(message.seq);
        return ping?.resolve();
      }
      case "__close":
        this.close(false);
        return this.#handlers.onPeerClose();
    }
  }
}
