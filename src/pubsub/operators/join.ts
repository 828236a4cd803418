/**
 * Merge: yields values from the source and every `other` as they arrive,
 * ending when all have ended; returning it returns all of them.
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("job", a), join(pubsub.subscribe("job", b)));
 * ```
 *
 * @module
 */

import { Repeater } from "@repeaterjs/repeater";

/** Interleaves the source with `others` in arrival order. */
export function join<T>(
  ...others: Array<AsyncIterable<T>>
): (source: AsyncIterable<T>) => Repeater<T> {
  return (source) => Repeater.merge([source, ...others]) as Repeater<T>;
}
