/**
 * Async-iterable operators for pubsub subscriptions. Each returns a function
 * from a source iterable, to be combined with {@link pipe}; `reduce`,
 * `toArray` and `groupBy` are terminal and resolve when the source ends.
 * Ending early (`break`, `take`) returns the source, releasing its subscription.
 *
 * ```ts ignore
 * const ids = await pipe(pubsub.subscribe("job"), map((e) => e.id), take(3), toArray());
 * ```
 *
 * @module
 */
export { batch, type BatchOptions } from "./batch.ts";
export { chain } from "./chain.ts";
export { dedupe } from "./dedupe.ts";
export { filter } from "./filter.ts";
export { flat } from "./flat.ts";
export { groupBy } from "./group_by.ts";
export { join } from "./join.ts";
export { map } from "./map.ts";
export { pipe } from "./pipe.ts";
export { reduce } from "./reduce.ts";
export { take } from "./take.ts";
export { toArray } from "./to_array.ts";
export { window } from "./window.ts";
