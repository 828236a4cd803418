/**
 * Concatenation: yields the source to its end, then each of `next` in turn.
 *
 * ```ts ignore
 * pipe(replayFromDatabase(), chain(pubsub.subscribe("job")));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Appends `next` iterables after the source. */
export function chain<T>(
  ...next: Array<AsyncIterable<T> | Iterable<T>>
): (source: AsyncIterable<T>) => Repeater<T> {
  return (source) =>
    operate<T, T>(source, async ({ pull, open, push, stopped }) => {
      const forward = async (value: T) => void await push(value);
      await each(pull, forward);
      // Later sources are opened only when reached, so a subscription among them attaches late.
      for (const iterable of next) if (!stopped()) await each(open(iterable), forward);
    });
}
