/**
 * Terminal: folds a finite stream into one value.
 *
 * ```ts ignore
 * const total = await pipe(pubsub.subscribe("usage"), take(10), reduce((sum, e) => sum + e.payload.tokens, 0));
 * ```
 *
 * @module
 */

/** Folds every value into an accumulator; resolves when the source ends. */
export function reduce<T, A>(
  fn: (accumulator: A, value: T) => A | Promise<A>,
  initial: A,
): (source: AsyncIterable<T>) => Promise<A> {
  return async (source) => {
    let accumulator = initial;
    for await (const value of source) accumulator = await fn(accumulator, value);
    return accumulator;
  };
}
