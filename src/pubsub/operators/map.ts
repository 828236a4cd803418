/**
 * Transforms every value with `fn` (which may be async).
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("job"), map((e) => e.payload));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Maps every value through `fn`. */
export function map<T, U>(
  fn: (value: T) => U | Promise<U>,
): (source: AsyncIterable<T>) => Repeater<U> {
  return (source) =>
    operate<T, U>(
      source,
      ({ pull, push }) => each(pull, async (value) => await push(await fn(value))),
    );
}
