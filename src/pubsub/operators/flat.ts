/**
 * Flattens one level: each array, iterable or async iterable value is
 * replaced by its items.
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("job"), batch(100), map(store), flat());
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Yields the items of each value in order. */
export function flat<T>(): (source: AsyncIterable<Iterable<T> | AsyncIterable<T>>) => Repeater<T> {
  return (source) =>
    operate<Iterable<T> | AsyncIterable<T>, T>(
      source,
      ({ pull, open, push }) =>
        each(pull, (inner) => each(open(inner), async (item) => void await push(item))),
    );
}
