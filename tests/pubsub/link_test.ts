/**
 * Link protocol details, over a real MessageChannel in one thread (the
 * conformance suite covers the same link over a real Worker).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createPubSub,
  createWorkerHostEventTarget,
  createWorkerThreadEventTarget,
  type DropReason,
  type WorkerEventTargetOptions,
} from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";

function linked(options: { a?: WorkerEventTargetOptions; b?: WorkerEventTargetOptions } = {}) {
  const channel = new MessageChannel();
  const a = createWorkerHostEventTarget(channel.port1, options.a);
  const b = createWorkerThreadEventTarget(channel.port2, options.b);
  // Every frame b receives, as seen on the wire.
  const framesToB: unknown[] = [];
  channel.port2.addEventListener("message", (event) => framesToB.push(event.data));
  return {
    a,
    b,
    channel,
    framesToB,
    pubA: createPubSub<TestEvents>({ eventTarget: a }),
    pubB: createPubSub<TestEvents>({ eventTarget: b }),
    async close() {
      await a.close();
      await b.close();
      channel.port1.close();
      channel.port2.close();
    },
  };
}

Deno.test("link batches one microtask's events into one frame and splits at maxPayloadBytes", async () => {
  const link = linked({ a: { maxPayloadBytes: 1024 }, b: { maxPayloadBytes: 1024 } });
  const sub = link.pubB.subscribe("order");
  const first = sub.next();
  await link.b.sync();
  link.framesToB.length = 0;
  for (let n = 0; n < 40; n++) link.pubA.publish("order", "a", { n });
  const got = [(await first).value?.payload.n];
  for await (const event of sub) if (got.push(event.payload.n) === 40) break;
  assert.deepEqual(got, Array.from({ length: 40 }, (_, n) => n));
  // 40 events of ~60 bytes in one tick: a few frames, each within a third of 1024 UTF-16 units.
  assert.ok(
    link.framesToB.length >= 2 && link.framesToB.length <= 12,
    `${link.framesToB.length} frames`,
  );
  for (const frame of link.framesToB) assert.ok((frame as string).length <= 1024);
  assert.equal(link.a.stats().sent, 40); // "order:a" was not subscribed, so only "order" crossed
  await link.close();
});

Deno.test("link drops an outgoing oversized or unserializable event at the sender and stays up", async () => {
  const drops: DropReason[] = [];
  const link = linked({ a: { maxPayloadBytes: 256, onDrop: (reason) => drops.push(reason) } });
  const sub = link.pubB.subscribe("marker", "m");
  const first = sub.next();
  await link.b.sync();
  link.pubA.publish("marker", "m", { m: "x".repeat(300) });
  link.pubA.publish("marker", "m", { m: 1n } as unknown as { m: string });
  link.pubA.publish("marker", "m", { m: "ok" });
  assert.equal((await first).value?.payload.m, "ok");
  // Only "marker:m" is subscribed at b, so each event is encoded (and dropped) once.
  assert.deepEqual(drops, ["oversized", "malformed"]);
  assert.equal(link.a.stats().dropped.oversized, 1);
  await sub.return();
  await link.close();
});

Deno.test("link counts non-text frames as malformed and survives a throwing onDrop", async () => {
  const link = linked({
    b: {
      onDrop: () => {
        throw new Error("diagnostics broke");
      },
    },
  });
  const sub = link.pubB.subscribe("marker", "m");
  const first = sub.next();
  await link.b.sync();
  link.channel.port1.postMessage({ type: "marker", topic: "marker:m", id: "m" });
  link.channel.port1.postMessage(new Uint8Array([1, 2, 3]));
  link.pubA.publish("marker", "m", { m: "after" });
  assert.equal((await first).value?.payload.m, "after");
  assert.equal(link.b.stats().dropped.malformed, 2);
  await sub.return();
  await link.close();
});

Deno.test("link refuses subscriptions its authorize hook denies", async () => {
  const denied: Array<string | undefined> = [];
  const link = linked({
    a: {
      authorize: (topic) => !topic.startsWith("other"),
      onDrop: (reason, info) => reason === "denied" && denied.push(info.topic),
    },
  });
  const blocked = link.pubB.subscribe("other", "a");
  const allowed = link.pubB.subscribe("marker", "m");
  const blockedFirst = blocked.next();
  const allowedFirst = allowed.next();
  await link.b.sync();
  assert.deepEqual(denied, ["other:a"]);
  assert.equal(link.a.stats().remoteTopics, 1);
  link.pubA.publish("other", "a", { n: 1 });
  link.pubA.publish("marker", "m", { m: "allowed" });
  assert.equal((await allowedFirst).value?.payload.m, "allowed");
  await blocked.return();
  assert.deepEqual(await blockedFirst, { done: true, value: undefined });
  await allowed.return();
  await link.close();
});

Deno.test("link reference-counts remote subscriptions across listeners, once and signal", async () => {
  const link = linked();
  const controller = new AbortController();
  const listener = () => {};
  link.b.addEventListener("order:a", listener, { signal: controller.signal });
  link.b.addEventListener("order:a", () => {}, { once: true });
  link.b.addEventListener("order:a", listener); // duplicate: ignored, as EventTarget does
  await link.b.sync();
  assert.equal(link.b.listenerCount("order:a"), 2);
  assert.equal(link.a.stats().remoteTopics, 1);
  controller.abort();
  await link.b.sync();
  assert.equal(link.a.stats().remoteTopics, 1);
  link.pubA.publish("order", "a", { n: 1 }); // fires and removes the once listener
  await link.b.sync();
  await link.b.sync(); // the __unsubscribe the once-removal sent has reached a
  assert.equal(link.b.listenerCount(), 0);
  assert.equal(link.a.stats().remoteTopics, 0);
  await link.close();
});

Deno.test("link close() ends the peer's subscriptions too, and sync() then rejects", async () => {
  const link = linked();
  const sub = link.pubB.subscribe("order");
  const first = sub.next();
  await link.b.sync();
  await link.a.close();
  assert.deepEqual(await first, { done: true, value: undefined });
  assert.equal(link.b.listenerCount(), 0);
  await assert.rejects(link.a.sync(), { message: "Cannot sync link: it is closed" });
  await assert.rejects(link.b.sync(), { message: "Cannot sync link: it is closed" });
  await link.close();
});

Deno.test("link drops an event whose type does not match its topic", async () => {
  const link = linked();
  const sub = link.pubB.subscribe("marker", "m");
  const first = sub.next();
  await link.b.sync();
  // Would hand a "marker:m" subscriber an "order" event if it were accepted.
  link.channel.port1.postMessage(
    '[{"topic":"marker:m","type":"order","id":"m","payload":{"n":1}}]',
  );
  link.channel.port1.postMessage(
    '[{"topic":"marker:m","type":"marker","id":"x","payload":{"m":"no"}}]',
  );
  link.pubA.publish("marker", "m", { m: "yes" });
  assert.equal((await first).value?.payload.m, "yes");
  assert.equal(link.b.stats().dropped.malformed, 2);
  await sub.return();
  await link.close();
});

Deno.test("link denies subscriptions beyond maxRemoteTopics", async () => {
  const link = linked({ a: { maxRemoteTopics: 1 } });
  link.b.addEventListener("order:a", () => {});
  link.b.addEventListener("order:b", () => {});
  await link.b.sync();
  assert.equal(link.a.stats().remoteTopics, 1);
  assert.equal(link.a.stats().dropped.denied, 1);
  await link.close();
});
