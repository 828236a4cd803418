import assert from "node:assert/strict";
import {
  batch,
  chain,
  createInProcessEventTarget,
  createPubSub,
  dedupe,
  type EventEnvelope,
  filter,
  flat,
  groupBy,
  join,
  map,
  pipe,
  reduce,
  take,
  toArray,
  window,
} from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";

async function* from<T>(values: Iterable<T>): AsyncGenerator<T> {
  for (const value of values) yield value;
}

/** A pubsub whose listeners can be counted, and a publisher of `order` events. */
function setup() {
  const target = createInProcessEventTarget();
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const publish = (...ns: number[]) =>
    ns.forEach((n) => pubsub.publish("order", n % 2 ? "odd" : "even", { n }));
  return { target, pubsub, publish };
}

const n = (event: EventEnvelope<{ n: number }>) => event.payload.n;

/** Runs `consume` over a live subscription fed with 1..10, then checks the listener is gone. */
async function releases<T>(
  build: (
    source: AsyncIterable<EventEnvelope<{ n: number }, "order">>,
  ) => AsyncIterable<T> | Promise<unknown>,
  consume: (iterable: AsyncIterable<T>) => Promise<unknown> = async (iterable) => {
    for await (const _ of iterable) break;
  },
) {
  const { target, pubsub, publish } = setup();
  const built = build(pubsub.subscribe("order"));
  const done = built instanceof Promise ? built : consume(built);
  // The first next() attached the listener synchronously.
  assert.equal(target.listenerCount("order"), 1);
  publish(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
  const result = await done;
  assert.equal(target.listenerCount(), 0, "the subscription was not released");
  return result;
}

Deno.test("filter() keeps matching values and narrows with a type guard", async () => {
  const values: Array<number | string> = [1, "a", 2, "b"];
  const numbers = await pipe(
    from(values),
    filter((v): v is number => typeof v === "number"),
    toArray(),
  );
  assert.deepEqual(numbers, [1, 2]);
  assert.deepEqual(
    await pipe(from([1, 2, 3, 4]), filter((v) => Promise.resolve(v > 2)), toArray()),
    [3, 4],
  );
  await releases((s) => pipe(s, filter((e) => n(e) > 3)));
});

Deno.test("map() transforms values, awaiting async functions", async () => {
  assert.deepEqual(await pipe(from([1, 2]), map((v) => Promise.resolve(v * 10)), toArray()), [
    10,
    20,
  ]);
  await releases((s) => pipe(s, map(n)));
});

Deno.test("pipe() applies functions left to right", () => {
  assert.equal(pipe(2), 2);
  assert.equal(pipe(2, (v) => v + 1, (v) => v * 10, String), "30");
});

Deno.test("take() ends after count values and returns the source", async () => {
  assert.deepEqual(await pipe(from([1, 2, 3]), take(2), toArray()), [1, 2]);
  assert.deepEqual(await pipe(from([1, 2, 3]), take(0), toArray()), []);
  assert.throws(() => take(-1), RangeError);
  assert.deepEqual(await releases((s) => pipe(s, map(n), take(3), toArray())), [1, 2, 3]);
});

Deno.test("reduce() folds a finite stream", async () => {
  assert.equal(await pipe(from([1, 2, 3]), reduce((sum, v) => sum + v, 0)), 6);
  assert.equal(await releases((s) => pipe(s, take(4), reduce((sum, e) => sum + n(e), 0))), 10);
});

Deno.test("toArray() collects a finite stream", async () => {
  assert.deepEqual(await pipe(from("abc"), toArray()), ["a", "b", "c"]);
  assert.deepEqual(await releases((s) => pipe(s, take(2), map(n), toArray())), [1, 2]);
});

Deno.test("batch() groups by size and flushes the remainder", async () => {
  assert.deepEqual(await pipe(from([1, 2, 3, 4, 5]), batch(2), toArray()), [[1, 2], [3, 4], [5]]);
  assert.throws(() => batch(0), RangeError);
  assert.deepEqual(await releases((s) => pipe(s, map(n), batch(4), take(2), toArray())), [[
    1,
    2,
    3,
    4,
  ], [
    5,
    6,
    7,
    8,
  ]]);
});

Deno.test("batch() with maxWaitMs emits a partial batch from a quiet subscription", async () => {
  const { target, pubsub, publish } = setup();
  const batches = pipe(pubsub.subscribe("order"), batch(100, { maxWaitMs: 5 }))
    [Symbol.asyncIterator]();
  const first = batches.next();
  publish(1, 2);
  assert.deepEqual((await first).value?.map(n), [1, 2]);
  // Ends while a next() on the subscription is still pending: the listener must still go.
  await batches.return();
  assert.equal(target.listenerCount(), 0);
});

Deno.test("operators over a quiet subscription release it as soon as the consumer returns", async () => {
  const { target, pubsub, publish } = setup();
  // map() holds a pending next() on the subscription while batch() waits on a timer.
  const batches = pipe(pubsub.subscribe("order"), map(n), batch(10, { maxWaitMs: 1 }));
  const first = batches.next();
  publish(1);
  assert.deepEqual((await first).value, [1]);
  await batches.return();
  assert.equal(target.listenerCount(), 0);

  const merged = pipe(
    pubsub.subscribe("order", "odd"),
    map(n),
    join(pipe(pubsub.subscribe("order", "even"), map(n))),
  );
  const next = merged.next();
  publish(1);
  assert.equal((await next).value, 1);
  await merged.return();
  assert.equal(target.listenerCount(), 0);
});

Deno.test("dedupe() drops repeated keys within its capacity", async () => {
  assert.deepEqual(await pipe(from([1, 1, 2, 1, 3, 2]), dedupe(), toArray()), [1, 2, 3]);
  // Capacity 1 only remembers the previous key.
  assert.deepEqual(await pipe(from([1, 2, 1, 1]), dedupe((v) => v, 1), toArray()), [1, 2, 1]);
  assert.deepEqual(
    await releases((s) => pipe(s, dedupe((e) => e.id), map((e) => e.id), take(2), toArray())),
    [
      "odd",
      "even",
    ],
  );
});

Deno.test("window() yields full sliding windows", async () => {
  assert.deepEqual(await pipe(from([1, 2, 3, 4]), window(3), toArray()), [[1, 2, 3], [2, 3, 4]]);
  assert.deepEqual(await pipe(from([1, 2]), window(3), toArray()), []);
  assert.throws(() => window(1.5), RangeError);
  assert.deepEqual(await releases((s) => pipe(s, map(n), window(2), take(2), toArray())), [[1, 2], [
    2,
    3,
  ]]);
});

Deno.test("flat() flattens arrays and async iterables one level", async () => {
  const nested = from<Iterable<number> | AsyncIterable<number>>([[1, 2], from([3]), []]);
  assert.deepEqual(await pipe(nested, flat(), toArray()), [1, 2, 3]);
  assert.deepEqual(await releases((s) => pipe(s, map(n), batch(3), flat(), take(4), toArray())), [
    1,
    2,
    3,
    4,
  ]);
});

Deno.test("groupBy() groups a finite stream by key", async () => {
  const groups = await pipe(from([1, 2, 3, 4, 5]), groupBy((v) => v % 2 ? "odd" : "even"));
  assert.deepEqual([...groups], [["odd", [1, 3, 5]], ["even", [2, 4]]]);
  const byId = await releases((s) => pipe(s, take(4), map(n), groupBy((v) => v > 2)));
  assert.deepEqual(byId, new Map([[false, [1, 2]], [true, [3, 4]]]));
});

Deno.test("chain() concatenates iterables in order", async () => {
  assert.deepEqual(await pipe(from([1, 2]), chain(from([3]), [4, 5]), toArray()), [1, 2, 3, 4, 5]);
  // Breaking while in the live subscription returns it.
  assert.deepEqual(await releases((s) => pipe(s, map(n), chain([99]), take(3), toArray())), [
    1,
    2,
    3,
  ]);
});

Deno.test("join() merges iterables in arrival order", async () => {
  const merged = await pipe(from([1, 2]), join(from([10, 20])), toArray());
  assert.deepEqual(merged.sort((a, b) => a - b), [1, 2, 10, 20]);
  // Breaking out of a merge of two live subscriptions releases both.
  const { target, pubsub, publish } = setup();
  const both = pipe(pubsub.subscribe("order", "odd"), join(pubsub.subscribe("order", "even")));
  const seen: number[] = [];
  const loop = (async () => {
    for await (const event of both) if (seen.push(n(event)) === 3) break;
  })();
  await Promise.resolve();
  assert.equal(target.listenerCount("order:odd") + target.listenerCount("order:even"), 2);
  publish(1, 2, 3, 4);
  await loop;
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(target.listenerCount(), 0);
});

Deno.test("an operator that throws rejects the consumer and releases the subscription", async () => {
  const { target, pubsub, publish } = setup();
  const mapped = pipe(
    pubsub.subscribe("order"),
    map((event) => {
      if (n(event) === 2) throw new Error("boom");
      return n(event);
    }),
  );
  const first = mapped.next();
  publish(1, 2);
  assert.equal((await first).value, 1);
  await assert.rejects(mapped.next(), { message: "boom" });
  assert.equal(target.listenerCount(), 0);
});
