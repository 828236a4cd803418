/**
 * Terminal: collects a finite stream into an array.
 *
 * ```ts ignore
 * const events = await pipe(pubsub.subscribe("job"), take(3), toArray());
 * ```
 *
 * @module
 */

/** Collects every value; resolves when the source ends. */
export function toArray<T>(): (source: AsyncIterable<T>) => Promise<T[]> {
  return async (source) => {
    const values: T[] = [];
    for await (const value of source) values.push(value);
    return values;
  };
}
