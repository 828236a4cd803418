/**
 * Records every call-protocol event on a pubsub, and resolves a promise when
 * one matching a predicate arrives — so tests wait for events, not for time.
 *
 * @module
 */
import type { EventEnvelope, PubSub } from "@alkdev/pubsub";
import type { CallEventMap, CallEventType } from "@alkdev/operations";

/** A call-protocol event as seen on the pubsub. */
export type CallEvent = {
  [K in CallEventType]: EventEnvelope<CallEventMap[K], K>;
}[CallEventType];

/** What {@linkcode observe} returns. */
export interface Observer {
  readonly events: CallEvent[];
  /** The first event (already seen or future) matching `predicate`. */
  waitFor(predicate: (event: CallEvent) => boolean): Promise<CallEvent>;
  close(): Promise<void>;
}

const TYPES: CallEventType[] = ["call.requested", "call.responded", "call.error", "call.aborted"];

/** Starts recording; the subscriptions are attached before it returns. */
export function observe(pubsub: PubSub<CallEventMap>): Observer {
  const events: CallEvent[] = [];
  const waiters: { predicate: (event: CallEvent) => boolean; resolve(e: CallEvent): void }[] = [];
  const subscriptions = TYPES.map((type) => {
    const subscription = pubsub.subscribe(type);
    let next = subscription.next();
    const loop = (async () => {
      for (;;) {
        const result = await next;
        if (result.done) return;
        const event = result.value as CallEvent;
        events.push(event);
        for (const waiter of [...waiters]) {
          if (!waiter.predicate(event)) continue;
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
        next = subscription.next();
      }
    })();
    return { subscription, loop };
  });
  return {
    events,
    waitFor(predicate) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    async close() {
      for (const { subscription } of subscriptions) await subscription.return(undefined);
      await Promise.all(subscriptions.map(({ loop }) => loop));
    },
  };
}
