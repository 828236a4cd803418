/**
 * The building block of the streaming operators. Each operator is a Repeater
 * rather than an async generator because a generator cannot be returned while
 * it awaits its source: `return()` would wait for the source's next value,
 * which on a quiet subscription may never come, so the subscription would
 * leak. A Repeater's `return()` is honoured at once; the executor then returns
 * its sources, and a chain of operators over a subscription is released as
 * soon as the consumer stops.
 *
 * @module
 */

import { type Push, Repeater } from "@repeaterjs/repeater";

/** What a pull yields once the consumer has stopped. */
export const STOPPED: unique symbol = Symbol("stopped");

/** Pulls the next source value, or `STOPPED` once the operator's consumer is gone. */
export type Pull<T> = () => Promise<IteratorResult<T> | typeof STOPPED>;

/** The executor's view of one operator run. */
export interface Operation<T, U> {
  /** Pulls from the operator's source. */
  pull: Pull<T>;
  /** Opens another source, returned with the operator (used by `chain`). */
  open<V>(iterable: AsyncIterable<V> | Iterable<V>): Pull<V>;
  /** Emits a value; resolves when the consumer wants more (or has stopped). */
  push: Push<U>;
  /** True once the consumer has stopped. */
  stopped(): boolean;
}

function toAsync<V>(iterable: AsyncIterable<V> | Iterable<V>): AsyncIterator<V> {
  if (Symbol.asyncIterator in iterable) return iterable[Symbol.asyncIterator]();
  const iterator = iterable[Symbol.iterator]();
  return {
    next: () => Promise.resolve(iterator.next()),
    return: () => Promise.resolve(iterator.return?.() ?? { done: true, value: undefined }),
  };
}

/** Runs `body` as a Repeater over `source`; see the module doc. */
export function operate<T, U>(
  source: AsyncIterable<T>,
  body: (operation: Operation<T, U>) => Promise<void>,
): Repeater<U> {
  return new Repeater<U>(async (push, stop) => {
    let stopped = false;
    const stopping = stop.then((): typeof STOPPED => {
      stopped = true;
      return STOPPED;
    });
    // One per source not yet finished; finished ones leave, so flat() over an endless stream stays bounded.
    const cleanups = new Set<() => Promise<unknown> | undefined>();

    function open<V>(iterable: AsyncIterable<V> | Iterable<V>): Pull<V> {
      const iterator = toAsync(iterable);
      let current: Promise<IteratorResult<V>> | undefined;
      let finished = false;
      const cleanup = () => {
        if (finished) return undefined;
        const returned = iterator.return?.();
        if (current === undefined || iterable instanceof Repeater) return returned;
        // A generator with a next() in flight would only honour return() after
        // that next settles: let it finish on its own instead of waiting.
        current.catch(() => {});
        returned?.catch(() => {});
        return undefined;
      };
      cleanups.add(cleanup);
      const settle = (done: boolean) => {
        current = undefined;
        if (!done) return;
        finished = true;
        cleanups.delete(cleanup);
      };
      return () => {
        if (stopped) return Promise.resolve(STOPPED);
        current ??= iterator.next().then((result) => {
          settle(result.done === true);
          return result;
        }, (error) => {
          settle(true);
          throw error;
        });
        return Promise.race([current, stopping]);
      };
    }

    try {
      await body({ pull: open(source), open, push, stopped: () => stopped });
    } finally {
      await Promise.all([...cleanups].map((cleanup) => cleanup()));
      stop();
    }
  });
}

/** Calls `fn` on each pulled value until the source ends, the consumer stops, or `fn` returns false. */
export async function each<T>(
  pull: Pull<T>,
  fn: (value: T) => Promise<unknown> | unknown,
): Promise<void> {
  while (true) {
    const result = await pull();
    if (result === STOPPED || result.done) return;
    if (await fn(result.value) === false) return;
  }
}
