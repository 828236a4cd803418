/**
 * Topic → listeners bookkeeping shared by the transports. Transports keep
 * their own registry instead of extending `EventTarget` because they must know
 * when a topic gains its first or loses its last listener (that is when they
 * subscribe or unsubscribe remotely), which `EventTarget` does not reveal.
 *
 * @module
 */

import type { PubSubEvent, TypedEventListenerOrEventListenerObject } from "./types.ts";

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;
type Callable = Exclude<Listener, null>;

/**
 * The local topic a transport dispatches on when it closes; pubsub
 * subscriptions listen on it to end their iteration. Never crosses a wire.
 */
export const CLOSE_TOPIC = "__close";

function closeEvent(): PubSubEvent {
  return new CustomEvent(CLOSE_TOPIC) as unknown as PubSubEvent;
}

/** Called when a topic gains its first or loses its last listener. */
export interface RegistryHooks {
  onFirst?(topic: string): void;
  onLast?(topic: string): void;
}

/** Listener sets per topic with `EventTarget`'s dedupe, `once` and `signal` semantics. */
export class ListenerRegistry {
  readonly #topics = new Map<string, Map<Callable, boolean>>();
  readonly #hooks: RegistryHooks;
  #closed = false;

  constructor(hooks: RegistryHooks = {}) {
    this.#hooks = hooks;
  }

  /**
   * Adds a listener unless it is already registered for the topic. Once
   * closed, only `CLOSE_TOPIC` listeners are accepted, and they are told at
   * once (on a microtask), so a late subscription ends instead of hanging.
   */
  add(topic: string, listener: Listener, options?: AddEventListenerOptions | boolean): void {
    if (listener === null) return;
    if (this.#closed) {
      if (topic === CLOSE_TOPIC) queueMicrotask(() => this.#call(listener, closeEvent()));
      return;
    }
    const opts = typeof options === "object" ? options : {};
    if (opts.signal?.aborted) return;
    let listeners = this.#topics.get(topic);
    if (listeners?.has(listener)) return;
    const first = listeners === undefined;
    if (listeners === undefined) {
      listeners = new Map();
      this.#topics.set(topic, listeners);
    }
    listeners.set(listener, opts.once === true);
    opts.signal?.addEventListener("abort", () => this.remove(topic, listener), { once: true });
    if (first) this.#hooks.onFirst?.(topic);
  }

  /** Removes a listener if present. */
  remove(topic: string, listener: Listener): void {
    const listeners = this.#topics.get(topic);
    if (listener === null || listeners === undefined || !listeners.delete(listener)) return;
    if (listeners.size > 0) return;
    this.#topics.delete(topic);
    this.#hooks.onLast?.(topic);
  }

  /** Topics with listeners, reserved `__` topics included. */
  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Number of listeners on one topic, or on all topics. */
  count(topic?: string): number {
    if (topic !== undefined) return this.#topics.get(topic)?.size ?? 0;
    let total = 0;
    for (const listeners of this.#topics.values()) total += listeners.size;
    return total;
  }

  /**
   * Calls the topic's listeners. A throwing listener is reported the way
   * `EventTarget` reports it (`reportError`) and does not stop the others.
   */
  dispatch(event: PubSubEvent): boolean {
    const listeners = this.#topics.get(event.type);
    if (listeners === undefined) return false;
    // Snapshot, as in EventTarget: listeners added during dispatch do not run,
    // listeners removed during dispatch (by an earlier one) no longer run.
    for (const listener of Array.from(listeners.keys())) {
      const once = listeners.get(listener);
      if (once === undefined) continue;
      if (once) this.remove(event.type, listener);
      this.#call(listener, event);
    }
    return true;
  }

  #call(listener: Callable, event: PubSubEvent): void {
    try {
      if (typeof listener === "function") listener(event);
      else listener.handleEvent(event);
    } catch (error) {
      reportError(error);
    }
  }

  /** Tells `CLOSE_TOPIC` listeners the target closed, then forgets every listener silently. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.dispatch(closeEvent());
    this.#topics.clear();
  }
}
