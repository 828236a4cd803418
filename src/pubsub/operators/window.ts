/**
 * Sliding window: once `size` values have arrived, yields the last `size`
 * values after each new one (`[1,2,3]`, `[2,3,4]`, …).
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("latency"), map((e) => e.payload.ms), window(10), map(average));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Yields each full sliding window of `size` values. */
export function window<T>(size: number): (source: AsyncIterable<T>) => Repeater<T[]> {
  if (!(size >= 1) || !Number.isInteger(size)) {
    throw new RangeError(`Cannot window ${size} values: size must be an integer >= 1`);
  }
  return (source) =>
    operate<T, T[]>(source, ({ pull, push }) => {
      const values: T[] = [];
      return each(pull, async (value) => {
        values.push(value);
        if (values.length > size) values.shift();
        if (values.length === size) await push(values.slice());
      });
    });
}
