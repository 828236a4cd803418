/**
 * Drops values whose key was seen among the last `capacity` distinct keys
 * (bounded, so it is safe on endless subscriptions).
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("job"), dedupe((e) => e.payload.jobId));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { each, operate } from "./_operate.ts";

/** Drops repeats by `key` (default: the value itself). */
export function dedupe<T, K = T>(
  key: (value: T) => K = (value) => value as unknown as K,
  capacity = 1024,
): (source: AsyncIterable<T>) => Repeater<T> {
  if (!(capacity >= 1)) throw new RangeError(`Cannot dedupe: capacity ${capacity} < 1`);
  return (source) =>
    operate<T, T>(source, ({ pull, push }) => {
      // A Set iterates in insertion order, so its first entry is the oldest key.
      const seen = new Set<K>();
      return each(pull, async (value) => {
        const k = key(value);
        if (seen.has(k)) return;
        seen.add(k);
        if (seen.size > capacity) seen.delete(seen.values().next().value as K);
        await push(value);
      });
    });
}
