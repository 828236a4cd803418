/**
 * `createPubSub`: typed publish/subscribe over any {@link PubSubEventTarget}
 * (adapted from `@graphql-yoga/subscription`, MIT).
 *
 * Topics: `publish(type, id, payload)` dispatches one envelope on topic
 * `type:id` and then on topic `type`. So `subscribe(type, id)` hears only that
 * id and `subscribe(type)` hears every id of that type; a subscriber of both
 * hears the event twice. Types may not contain ":" (that keeps `type:id`
 * unambiguous) nor start with "__" (reserved for transport control).
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { Subscription } from "./_subscription.ts";
import { createInProcessEventTarget } from "./event_target_in_process.ts";
import { CLOSE_TOPIC } from "./_listener_registry.ts";
import type {
  EventEnvelope,
  EventType,
  OnDrop,
  PubSubEvent,
  PubSubEventMap,
  PubSubEventTarget,
} from "./types.ts";

/** Options of {@link createPubSub}. */
export interface PubSubOptions {
  /** The transport; default {@link createInProcessEventTarget}. */
  eventTarget?: PubSubEventTarget;
  /**
   * Events one subscription may hold unconsumed; when full, newer events for
   * it are dropped and reported as `"overflow"`. Default 1024.
   */
  maxQueuedEvents?: number;
  /** Told about events dropped for a full subscription queue. */
  onDrop?: OnDrop;
}

/** Typed publish/subscribe driven by an event map. */
export interface PubSub<TEventMap extends PubSubEventMap> {
  /** Dispatches `payload` on topics `type:id` and `type`. */
  publish<K extends EventType<TEventMap>>(type: K, id: string, payload: TEventMap[K]): void;
  /**
   * Subscribes to `type:id`, or to every id of `type` when `id` is omitted.
   * The listener is attached when iteration starts (first `next()`) and
   * removed by `return()` or `break`.
   */
  subscribe<K extends EventType<TEventMap>>(
    type: K,
    id?: string,
  ): Repeater<EventEnvelope<TEventMap[K], K>>;
}

function assertType(action: string, type: unknown): asserts type is string {
  if (typeof type !== "string" || type === "") {
    throw new TypeError(`Cannot ${action} event: type must be a non-empty string`);
  }
  if (type.startsWith("__")) {
    throw new TypeError(`Cannot ${action} event "${type}": types starting with "__" are reserved`);
  }
  if (type.includes(":")) {
    throw new TypeError(`Cannot ${action} event "${type}": types must not contain ":"`);
  }
}

function assertId(action: string, type: string, id: unknown): asserts id is string {
  if (typeof id !== "string") {
    throw new TypeError(`Cannot ${action} event "${type}": id must be a string`);
  }
}

/** Creates a pubsub; see the module doc for topic scoping. */
export function createPubSub<TEventMap extends PubSubEventMap>(
  options: PubSubOptions = {},
): PubSub<TEventMap> {
  const target = options.eventTarget ?? createInProcessEventTarget();
  const maxQueued = options.maxQueuedEvents ?? 1024;
  if (!(maxQueued >= 1)) {
    throw new RangeError(`Cannot create pubsub: maxQueuedEvents ${maxQueued} < 1`);
  }
  const { onDrop } = options;

  return {
    publish(type, id, payload) {
      assertType("publish", type);
      assertId("publish", type, id);
      const detail: EventEnvelope = { type, id, payload };
      target.dispatchEvent(new CustomEvent(`${type}:${id}`, { detail }));
      target.dispatchEvent(new CustomEvent(type, { detail }));
    },
    subscribe<K extends EventType<TEventMap>>(type: K, id?: string) {
      assertType("subscribe to", type);
      if (id !== undefined) assertId("subscribe to", type, id);
      const topic = id === undefined ? type : `${type}:${id}`;
      type Envelope = EventEnvelope<TEventMap[K], K>;
      return new Subscription<Envelope>((deliver, stop) => {
        const onEvent = (event: PubSubEvent) => {
          if (deliver(event.detail as Envelope)) return;
          try {
            onDrop?.("overflow", { topic, detail: `subscription queue holds ${maxQueued} events` });
          } catch {
            // Diagnostics only: a throwing callback must not break delivery to others.
          }
        };
        const onClose = () => stop();
        target.addEventListener(topic, onEvent);
        target.addEventListener(CLOSE_TOPIC, onClose);
        return () => {
          target.removeEventListener(topic, onEvent);
          target.removeEventListener(CLOSE_TOPIC, onClose);
        };
      }, maxQueued);
    },
  };
}
