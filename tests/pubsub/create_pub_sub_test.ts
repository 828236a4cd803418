import assert from "node:assert/strict";
import {
  createInProcessEventTarget,
  createPubSub,
  type DropReason,
  type EventEnvelope,
} from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";

Deno.test("createPubSub() delivers in-process synchronously, in publish order", async () => {
  const target = createInProcessEventTarget();
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const sub = pubsub.subscribe("order", "a");
  const first = sub.next(); // attaches the listener synchronously
  assert.equal(target.listenerCount("order:a"), 1);
  pubsub.publish("order", "a", { n: 1 });
  pubsub.publish("order", "a", { n: 2 });
  assert.deepEqual(await first, {
    done: false,
    value: { type: "order", id: "a", payload: { n: 1 } },
  });
  assert.deepEqual((await sub.next()).value?.payload, { n: 2 });
  await sub.return();
  assert.equal(target.listenerCount(), 0);
});

Deno.test("createPubSub() dispatches on type:id and on type", () => {
  const target = createInProcessEventTarget();
  const seen: string[] = [];
  target.addEventListener("order:a", (event) => seen.push(`${event.type} ${event.detail.id}`));
  target.addEventListener("order", (event) => seen.push(`${event.type} ${event.detail.id}`));
  createPubSub<TestEvents>({ eventTarget: target }).publish("order", "a", { n: 1 });
  assert.deepEqual(seen, ["order:a a", "order a"]);
});

Deno.test("createPubSub() works over a plain EventTarget", async () => {
  const pubsub = createPubSub<TestEvents>({ eventTarget: new EventTarget() });
  const sub = pubsub.subscribe("marker");
  const first = sub.next();
  pubsub.publish("marker", "x", { m: "hi" });
  assert.deepEqual((await first).value, { type: "marker", id: "x", payload: { m: "hi" } });
  await sub.return();
});

Deno.test("createPubSub() rejects reserved, empty and ':' types and non-string ids with TypeError", () => {
  const pubsub = createPubSub<Record<string, unknown>>();
  assert.throws(() => pubsub.publish("__subscribe", "a", {}), {
    name: "TypeError",
    message: 'Cannot publish event "__subscribe": types starting with "__" are reserved',
  });
  assert.throws(() => pubsub.publish("a:b", "c", {}), TypeError);
  assert.throws(() => pubsub.publish("", "c", {}), TypeError);
  assert.throws(() => pubsub.publish("a", 1 as unknown as string, {}), TypeError);
  assert.throws(() => pubsub.subscribe("__close"), TypeError);
  assert.throws(() => pubsub.subscribe("a", 2 as unknown as string), TypeError);
});

Deno.test("createPubSub() drops and reports events beyond maxQueuedEvents per subscription", async () => {
  const drops: DropReason[] = [];
  const pubsub = createPubSub<TestEvents>({
    maxQueuedEvents: 2,
    onDrop: (reason) => drops.push(reason),
  });
  const sub = pubsub.subscribe("order", "a");
  const first = sub.next();
  for (let n = 0; n < 5; n++) pubsub.publish("order", "a", { n });
  // n=0 resolves the waiting next(), n=1 and n=2 fill the queue, n=3 and n=4 are dropped.
  const got = [
    (await first).value?.payload.n,
    (await sub.next()).value?.payload.n,
    (await sub.next()).value?.payload.n,
  ];
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(drops, ["overflow", "overflow"]);
  pubsub.publish("order", "a", { n: 5 });
  assert.equal((await sub.next()).value?.payload.n, 5);
  await sub.return();
});

Deno.test("createPubSub() subscription ends when its target closes", async () => {
  const target = createInProcessEventTarget();
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const seen: EventEnvelope[] = [];
  const loop = (async () => {
    for await (const event of pubsub.subscribe("order")) seen.push(event);
  })();
  await Promise.resolve();
  pubsub.publish("order", "a", { n: 1 });
  await target.close();
  await loop;
  assert.equal(seen.length, 1);
  assert.equal(target.listenerCount(), 0);
  assert.equal(target.dispatchEvent(new CustomEvent("order", { detail: seen[0] })), false);
});

Deno.test("createPubSub() subscription attached after close ends without events", async () => {
  const target = createInProcessEventTarget();
  await target.close();
  const sub = createPubSub<TestEvents>({ eventTarget: target }).subscribe("order");
  assert.deepEqual(await sub.next(), { done: true, value: undefined });
  assert.equal(target.listenerCount(), 0);
});

Deno.test("subscription keeps order across queued and awaited next() calls", async () => {
  const pubsub = createPubSub<TestEvents>();
  const sub = pubsub.subscribe("order");
  const pending = [sub.next(), sub.next()]; // both wait on the Repeater
  pubsub.publish("order", "a", { n: 0 });
  pubsub.publish("order", "a", { n: 1 });
  pubsub.publish("order", "a", { n: 2 }); // queued
  const third = sub.next(); // served from the queue
  const fourth = sub.next(); // waits again
  pubsub.publish("order", "a", { n: 3 });
  const values = await Promise.all([...pending, third, fourth]);
  assert.deepEqual(values.map((result) => result.value?.payload.n), [0, 1, 2, 3]);
  await sub.return();
});

Deno.test("subscription delivers queued events after its target closes, then ends", async () => {
  const target = createInProcessEventTarget();
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const sub = pubsub.subscribe("order");
  const first = sub.next();
  pubsub.publish("order", "a", { n: 0 });
  pubsub.publish("order", "a", { n: 1 });
  await target.close();
  assert.equal((await first).value?.payload.n, 0);
  assert.equal((await sub.next()).value?.payload.n, 1);
  assert.deepEqual(await sub.next(), { done: true, value: undefined });
});

Deno.test("subscription return() discards queued events", async () => {
  const target = createInProcessEventTarget();
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const sub = pubsub.subscribe("order");
  const first = sub.next();
  pubsub.publish("order", "a", { n: 0 });
  pubsub.publish("order", "a", { n: 1 });
  assert.equal((await first).value?.payload.n, 0);
  await sub.return();
  assert.deepEqual(await sub.next(), { done: true, value: undefined });
  assert.equal(target.listenerCount(), 0);
});
