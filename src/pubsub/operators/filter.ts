/**
 * Keeps the values for which `predicate` returns true (a type guard narrows).
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("job"), filter((e) => e.payload.ok));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Keeps values passing `predicate`. */
export function filter<T, U extends T>(
  predicate: (value: T) => value is U,
): (source: AsyncIterable<T>) => Repeater<U>;
export function filter<T>(
  predicate: (value: T) => boolean | Promise<boolean>,
): (source: AsyncIterable<T>) => Repeater<T>;
export function filter<T>(
  predicate: (value: T) => boolean | Promise<boolean>,
): (source: AsyncIterable<T>) => Repeater<T> {
  return (source) =>
    operate<T, T>(source, ({ pull, push }) =>
      each(pull, async (value) => {
        if (await predicate(value)) await push(value);
      }));
}
