/**
 * A callback-style subscription on top of the pubsub's async iterators. The
 * listener is attached before `listen` returns (the first `next()` attaches
 * it synchronously), so an event published right after cannot be missed.
 *
 * @module
 */
import type { EventEnvelope, EventType, PubSub, PubSubEventMap } from "@alkdev/pubsub";
import type { OperationLog } from "./context.ts";
import { reportFailure } from "./_report.ts";

/** A running subscription. */
export interface Listening {
  /** Ends the subscription; resolves once the loop has stopped. */
  close(): Promise<void>;
}

/** Options of {@linkcode listen}. */
export interface ListenOptions {
  /** Only events published under this id; default every id. */
  id?: string;
  /** Where a throwing `onEvent` is reported; default the console. */
  log?: OperationLog;
}

/** Calls `onEvent` for every event of `type`. */
export function listen<M extends PubSubEventMap, K extends EventType<M>>(
  pubsub: PubSub<M>,
  type: K,
  onEvent: (event: EventEnvelope<M[K], K>) => void,
  options: ListenOptions = {},
): Listening {
  const { id, log } = options;
  const subscription = pubsub.subscribe(type, id);
  let next = subscription.next();
  const loop = (async () => {
    for (;;) {
      const result = await next;
      if (result.done) return;
      try {
        onEvent(result.value);
      } catch (error) {
        // A bug in one handler must not end the subscription every later call depends on.
        reportFailure(`Cannot handle a "${type}" event`, error, log);
      }
      next = subscription.next();
    }
  })().catch((error) => {
    // A failing transport ends the subscription; it must not become an
    // unhandled rejection, which would take the whole process down.
    reportFailure(`Subscription to "${type}" failed`, error, log);
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await subscription.return(undefined);
        await loop;
      })();
      return closing;
    },
  };
}
