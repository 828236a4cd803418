/**
 * An event target over one link: the Worker host and thread targets and the
 * WebSocket client target are this class wired to different channels.
 *
 * Dispatching delivers to local listeners and, when the peer subscribed to the
 * topic, across the link; events from the peer reach local listeners only (no
 * echo back). Adding the first listener for a topic subscribes to it at the
 * peer; removing the last unsubscribes.
 *
 * @module
 */

import type { LinkPort } from "./_frame_queue.ts";
import { Link, type LinkOptions } from "./_link.ts";
import { ListenerRegistry } from "./_listener_registry.ts";
import { type EnvelopeEncoder, isReserved } from "./protocol.ts";
import type {
  PubSubEvent,
  PubSubTransport,
  TransportStats,
  TypedEventListenerOrEventListenerObject,
} from "./types.ts";

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;

/** How a {@link LinkEventTarget} reports to its owner. */
export interface LinkTargetHooks {
  /** Releases the channel's listeners once the target closes. */
  detach(initiatedLocally: boolean): void;
  /** Also told about every event that arrives from the peer. */
  onRemoteEvent?(event: PubSubEvent): void;
}

/** See the module doc. */
export class LinkEventTarget implements PubSubTransport {
  readonly link: Link;
  readonly #registry: ListenerRegistry;
  readonly #hooks: LinkTargetHooks;
  #closed = false;

  constructor(
    port: LinkPort,
    options: LinkOptions,
    hooks: LinkTargetHooks,
    encoder?: EnvelopeEncoder,
  ) {
    this.#hooks = hooks;
    this.link = new Link(port, options, {
      onEvent: (topic, envelope) => {
        const event = new CustomEvent(topic, { detail: envelope });
        this.#registry.dispatch(event);
        this.#hooks.onRemoteEvent?.(event);
      },
      onPeerClose: () => this.shutdown(false),
    }, encoder);
    this.#registry = new ListenerRegistry({
      onFirst: (topic) => this.link.retain(topic),
      onLast: (topic) => this.link.release(topic),
    });
  }

  /** Feeds one frame received from the channel. */
  receive(data: unknown): void {
    this.link.receive(data);
  }

  /** Sends frames queued while the channel was not ready. */
  flush(): void {
    this.link.flush();
  }

  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number {
    return this.#registry.count(topic);
  }

  addEventListener(
    topic: string,
    listener: Listener,
    options?: AddEventListenerOptions | boolean,
  ): void {
    this.#registry.add(topic, listener, options);
  }

  removeEventListener(topic: string, listener: Listener): void {
    this.#registry.remove(topic, listener);
  }

  dispatchEvent(event: PubSubEvent): boolean {
    if (this.#closed) return false;
    this.#registry.dispatch(event);
    if (!isReserved(event.type)) this.link.forward(event);
    return true;
  }

  sync(): Promise<void> {
    return this.link.sync();
  }

  stats(): TransportStats {
    return this.link.stats();
  }

  close(): Promise<void> {
    this.shutdown(true);
    return Promise.resolve();
  }

  /** True once closed, by either side. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes once: tells the peer (when we initiated it), then ends local subscriptions. */
  shutdown(initiatedLocally: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.link.close(initiatedLocally);
    this.#registry.close();
    this.#hooks.detach(initiatedLocally);
  }
}
