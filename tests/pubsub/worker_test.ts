import assert from "node:assert/strict";
import { createPubSub, createWorkerHostEventTarget } from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";

Deno.test("worker transport over the worker's global scope forwards only subscribed topics", async () => {
  const worker = new Worker(new URL("./fixtures/echo_worker.ts", import.meta.url), {
    type: "module",
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    console.error("echo worker failed:", event.message);
  });
  const host = createWorkerHostEventTarget(worker);
  const pubsub = createPubSub<TestEvents>({ eventTarget: host });
  try {
    const pongs = pubsub.subscribe("pong", "x");
    const first = pongs.next();
    // The thread subscribed to "ping" at start-up, before it could answer this sync.
    await host.sync();
    assert.equal(host.stats().remoteTopics, 1);
    pubsub.publish("other", "x", { n: 0 });
    pubsub.publish("ping", "x", { n: 1 });
    assert.deepEqual((await first).value, { type: "pong", id: "x", payload: { n: 1 } });
    // "ping:x" and both "other" topics stayed on this side: one event crossed.
    assert.equal(host.stats().sent, 1);
    assert.equal(host.stats().received, 1);
    await pongs.return();
  } finally {
    await host.close();
    worker.terminate();
  }
});
