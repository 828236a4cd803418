/**
 * Terminal: groups a finite stream by key, like `Map.groupBy`.
 *
 * ```ts ignore
 * const byId = await pipe(pubsub.subscribe("job"), take(100), groupBy((e) => e.id));
 * ```
 *
 * @module
 */

/** Collects values into a Map from key to values, in arrival order. */
export function groupBy<T, K>(
  key: (value: T) => K,
): (source: AsyncIterable<T>) => Promise<Map<K, T[]>> {
  return async (source) => {
    const groups = new Map<K, T[]>();
    for await (const value of source) {
      const k = key(value);
      const group = groups.get(k);
      if (group === undefined) groups.set(k, [value]);
      else group.push(value);
    }
    return groups;
  };
}
