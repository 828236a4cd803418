/**
 * The router over real MessageChannels in one thread: interest propagation,
 * loop prevention, no firehose, and link detach.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createPubSub,
  createPubSubRouter,
  createWorkerHostEventTarget,
  createWorkerThreadEventTarget,
  type EventEnvelope,
  type PubSub,
  type PubSubTransport,
} from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";

interface Peer {
  host: PubSubTransport;
  target: PubSubTransport;
  pubsub: PubSub<TestEvents>;
  channel: MessageChannel;
}

/** A peer across a MessageChannel: the router holds `host`, the peer owns `target`. */
function peer(): Peer {
  const channel = new MessageChannel();
  const host = createWorkerHostEventTarget(channel.port1);
  const target = createWorkerThreadEventTarget(channel.port2);
  return { host, target, pubsub: createPubSub<TestEvents>({ eventTarget: target }), channel };
}

/** Collects events of one subscription in the background; `next()` awaits the next one. */
function collect<T>(iterator: AsyncIterator<T>) {
  const seen: T[] = [];
  const waiters: Array<() => void> = [];
  (async () => {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      seen.push(r.value);
      waiters.splice(0).forEach((wake) => wake());
    }
  })();
  return {
    seen,
    async count(n: number) {
      while (seen.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return seen.slice(0, n);
    },
  };
}

function setup(peers = 2) {
  const router = createPubSubRouter();
  const hub = createPubSub<TestEvents>({ eventTarget: router });
  const all = Array.from({ length: peers }, peer);
  for (const p of all) router.addLink(p.host);
  const close = async () => {
    await router.close();
    for (const p of all) {
      await p.target.close();
      await p.host.close();
      p.channel.port1.close();
      p.channel.port2.close();
    }
  };
  return { router, hub, peers: all, close };
}

Deno.test("router: a peer's event reaches a main-thread subscriber", async () => {
  const { router, hub, peers: [a], close } = setup(1);
  try {
    const events = hub.subscribe("order", "o1");
    const first = events.next(); // attaches the listener
    await router.sync(); // the router's __subscribe has reached the peer
    a.pubsub.publish("order", "o1", { n: 1 });
    assert.deepEqual((await first).value, { type: "order", id: "o1", payload: { n: 1 } });
    await events.return();
  } finally {
    await close();
  }
});

Deno.test("router: a main-thread event reaches the subscribed peer only, scoped by id", async () => {
  const { hub, peers: [a, b], close } = setup(2);
  try {
    const events = a.pubsub.subscribe("order", "o1");
    const first = events.next();
    await a.target.sync();
    hub.publish("order", "o2", { n: 2 }); // another id: a did not subscribe
    hub.publish("order", "o1", { n: 1 });
    assert.deepEqual((await first).value?.payload, { n: 1 });
    await a.target.sync();
    assert.equal(b.host.stats().sent, 0, "b subscribed to nothing and was sent nothing");
    assert.equal(a.host.stats().sent, 1, "only the o1 event crossed to a");
    await events.return();
  } finally {
    await close();
  }
});

Deno.test("router: peer to peer, never echoed back to the link it came from", async () => {
  const { router, peers: [a, b], close } = setup(2);
  try {
    const atA = collect(a.pubsub.subscribe("ping")[Symbol.asyncIterator]());
    const atB = collect(b.pubsub.subscribe("ping")[Symbol.asyncIterator]());
    const markerAtA = collect(a.pubsub.subscribe("marker")[Symbol.asyncIterator]());
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the collectors attach
    await Promise.all([a.target.sync(), b.target.sync()]);
    await router.sync();
    a.pubsub.publish("ping", "p", { n: 1 });
    const [fromA] = await atB.count(1);
    assert.deepEqual((fromA as EventEnvelope).payload, { n: 1 });
    // b answers with a marker to a; if a's ping had echoed back, it would arrive before the marker.
    b.pubsub.publish("marker", "m", { m: "after" });
    await markerAtA.count(1);
    assert.equal(
      atA.seen.length,
      1,
      "a heard its own ping once (locally), not again from the router",
    );
    assert.equal(a.host.stats().sent, 1, "only the marker crossed back to a");
  } finally {
    await close();
  }
});

Deno.test("router: interest is propagated, not flooded, and released on unsubscribe", async () => {
  const { router, hub, peers: [a], close } = setup(1);
  try {
    a.pubsub.publish("other", "x", { n: 1 }); // nobody wants it: never crosses
    await a.target.sync();
    assert.equal(a.target.stats().sent, 0);
    const events = hub.subscribe("other", "x");
    const first = events.next();
    await router.sync();
    assert.equal(a.target.stats().remoteTopics, 1, "the router subscribed at the peer");
    a.pubsub.publish("other", "x", { n: 2 });
    assert.deepEqual((await first).value?.payload, { n: 2 });
    await events.return();
    await router.sync();
    assert.equal(
      a.target.stats().remoteTopics,
      0,
      "the last local listener left: unsubscribed at the peer",
    );
  } finally {
    await close();
  }
});

Deno.test("router: a closed link is detached and its peer's interest released", async () => {
  const { router, peers: [a, b], close } = setup(2);
  try {
    const events = a.pubsub.subscribe("order");
    const first = events.next();
    await a.target.sync();
    await router.sync();
    assert.equal(b.target.stats().remoteTopics, 1, "b is asked for what a wants");
    await a.target.close(); // tells the host side, which detaches from the router
    await router.sync(); // a's __close has been handled: a is detached
    await router.sync(); // the __unsubscribe sent to b on detach has been handled
    assert.equal(router.linkCount(), 1);
    assert.equal(b.target.stats().remoteTopics, 0, "nobody wants order any more");
    assert.equal((await first).done, true);
  } finally {
    await close();
  }
});

Deno.test("router: addLink refuses a target that is not a link", () => {
  const router = createPubSubRouter();
  assert.throws(() => router.addLink(new EventTarget() as unknown as PubSubTransport), TypeError);
});
