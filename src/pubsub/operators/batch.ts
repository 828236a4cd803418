/**
 * Groups values into arrays of up to `size`. With `maxWaitMs`, a partial batch
 * is also emitted once its first value has waited that long, so a quiet
 * subscription does not hold values back indefinitely. The remainder is
 * emitted when the source ends.
 *
 * ```ts ignore
 * pipe(pubsub.subscribe("log"), batch(100, { maxWaitMs: 50 }), map(writeLines));
 * ```
 *
 * @module
 */

import type { Repeater } from "@repeaterjs/repeater";
import { operate, STOPPED } from "./_operate.ts";

/** Options of {@link batch}. */
export interface BatchOptions {
  /** Longest a value waits in a partial batch, in milliseconds. */
  maxWaitMs?: number;
}

const TIMEOUT = Symbol("timeout");

async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) =>
    timer = setTimeout(resolve, ms, TIMEOUT)
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Yields arrays of up to `size` values. */
export function batch<T>(
  size: number,
  options: BatchOptions = {},
): (source: AsyncIterable<T>) => Repeater<T[]> {
  if (!(size >= 1)) throw new RangeError(`Cannot batch ${size} values: size must be >= 1`);
  const { maxWaitMs } = options;
  return (source) =>
    operate<T, T[]>(source, async ({ pull, push }) => {
      let values: T[] = [];
      let deadline = 0;
      const emit = async () => {
        const out = values;
        values = [];
        await push(out);
      };
      while (true) {
        // The pull outlives a timeout: the next pull() call waits on the same next().
        const result = maxWaitMs !== undefined && values.length > 0
          ? await within(pull(), Math.max(0, deadline - performance.now()))
          : await pull();
        if (result === TIMEOUT) {
          await emit();
          continue;
        }
        if (result === STOPPED) return;
        if (result.done) {
          if (values.length > 0) await emit();
          return;
        }
        if (values.length === 0) deadline = performance.now() + (maxWaitMs ?? 0);
        values.push(result.value);
        if (values.length >= size) await emit();
      }
    });
}
