/**
 * The default, in-process transport: delivery is synchronous, inside
 * `dispatchEvent`, in listener registration order. A plain `new EventTarget()`
 * works as well; this one adds `close()`, `stats()` and `listenerCount()`.
 *
 * @module
 */

import { ListenerRegistry } from "./_listener_registry.ts";
import { isReserved } from "./protocol.ts";
import type {
  PubSubEvent,
  PubSubTransport,
  TransportStats,
  TypedEventListenerOrEventListenerObject,
} from "./types.ts";

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;

/** The in-process transport. */
export interface InProcessEventTarget extends PubSubTransport {
  /** Number of listeners on `topic`, or on every topic (reserved ones included). */
  listenerCount(topic?: string): number;
}

/** Creates an in-process target; `close()` ends every subscription on it. */
export function createInProcessEventTarget(): InProcessEventTarget {
  const registry = new ListenerRegistry();
  let closed = false;
  return {
    addEventListener(
      topic: string,
      listener: Listener,
      options?: AddEventListenerOptions | boolean,
    ) {
      registry.add(topic, listener, options);
    },
    removeEventListener: (topic: string, listener: Listener) => registry.remove(topic, listener),
    dispatchEvent(event: PubSubEvent) {
      if (closed) return false;
      registry.dispatch(event);
      return true;
    },
    listenerCount: (topic?: string) => registry.count(topic),
    sync: () => Promise.resolve(),
    stats(): TransportStats {
      return {
        dropped: { malformed: 0, oversized: 0, unknownControl: 0, denied: 0, slowConsumer: 0 },
        sent: 0,
        received: 0,
        localTopics: registry.topics().filter((topic) => !isReserved(topic)).length,
        remoteTopics: 0,
      };
    },
    close() {
      if (!closed) {
        closed = true;
        registry.close();
      }
      return Promise.resolve();
    },
  };
}
