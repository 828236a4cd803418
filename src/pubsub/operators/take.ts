/**
 * Yields the first `count` values, then ends and returns the source (which
 * releases a pubsub subscription).
 *
 * ```ts ignore
 * const [first] = await pipe(pubsub.subscribe("job"), take(1), toArray());
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Ends after `count` values. */
export function take<T>(count: number): (source: AsyncIterable<T>) => Repeater<T> {
  if (!(count >= 0)) throw new RangeError(`Cannot take ${count} values: count must be >= 0`);
  return (source) =>
    operate<T, T>(source, async ({ pull, push }) => {
      let left = count;
      if (left === 0) return;
      await each(pull, async (value) => {
        if (--left === 0) {
          // Not awaited: the value stays queued for the consumer while the source is returned now.
          void push(value);
          return false;
        }
        await push(value);
      });
    });
}
