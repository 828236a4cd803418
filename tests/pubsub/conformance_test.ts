/**
 * One behavioural spec, run over every transport. Absence of an event is
 * proven by publishing a marker after it and checking what arrives first.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { EventEnvelope } from "@alkdev/pubsub";
import { MAX_PAYLOAD_BYTES, type Pair, PAIRS } from "./_pairs.ts";

/** Starts a subscription (the listener attaches on the first next()) and waits until it is live end to end. */
async function live<T>(pair: Pair, subscription: AsyncIterableIterator<T>) {
  const first = subscription.next();
  await pair.near.sync();
  // Wrapped: an async function returning the bare promise would wait for the event.
  return { first };
}

async function withPair(factory: () => Promise<Pair>, fn: (pair: Pair) => Promise<void>) {
  const pair = await factory();
  try {
    await fn(pair);
  } finally {
    await pair.close();
  }
}

const SPEC: Record<string, (pair: Pair) => Promise<void>> = {
  async "publish then subscribe delivers the envelope"(pair) {
    const sub = pair.subscriber.subscribe("order", "a");
    const { first: first } = await live(pair, sub);
    pair.publish("order", "a", { n: 1 });
    assert.deepEqual((await first).value, { type: "order", id: "a", payload: { n: 1 } });
    await sub.return();
  },

  async "scopes by id; subscribing without id hears every id"(pair) {
    const onlyA = pair.subscriber.subscribe("order", "a");
    const every = pair.subscriber.subscribe("order");
    const firstA = onlyA.next();
    const { first: firstAny } = await live(pair, every);
    pair.publish("order", "b", { n: 1 });
    pair.publish("other", "a", { n: 2 });
    pair.publish("order", "a", { n: 3 });
    // "b" and "other" went first, so "a" arriving first proves they were not delivered.
    assert.deepEqual((await firstA).value, { type: "order", id: "a", payload: { n: 3 } });
    assert.equal(((await firstAny).value as EventEnvelope).id, "b");
    assert.equal(((await every.next()).value as EventEnvelope).id, "a");
    await Promise.all([onlyA.return(), every.return()]);
  },

  async "unsubscribing removes the listener and the remote subscription"(pair) {
    const sub = pair.subscriber.subscribe("order", "a");
    const { first: first } = await live(pair, sub);
    assert.equal(await pair.farTopics(), 1);
    pair.publish("order", "a", { n: 1 });
    pair.publish("order", "a", { n: 2 });
    await first;
    for await (const event of sub) {
      assert.equal(event.payload.n, 2);
      break; // calls return(), which must detach the listener before the loop exits
    }
    assert.equal(pair.near.listenerCount("order:a"), 0);
    await pair.near.sync();
    assert.equal(await pair.farTopics(), 0);
    assert.equal(pair.near.stats().localTopics, 0);
    // Subscribing again works after the topic was released.
    const again = pair.subscriber.subscribe("order", "a");
    const { first: next } = await live(pair, again);
    pair.publish("order", "a", { n: 2 });
    assert.equal(((await next).value as EventEnvelope<{ n: number }>).payload.n, 2);
    await again.return();
  },

  async "keeps one publisher's order"(pair) {
    const sub = pair.subscriber.subscribe("order");
    const { first: first } = await live(pair, sub);
    const count = 300;
    for (let n = 0; n < count; n++) pair.publish("order", n % 2 === 0 ? "a" : "b", { n });
    const seen = [((await first).value as EventEnvelope<{ n: number }>).payload.n];
    for await (const event of sub) {
      seen.push(event.payload.n);
      if (seen.length === count) break;
    }
    assert.deepEqual(seen, Array.from({ length: count }, (_, n) => n));
  },

  async "close ends subscriptions and releases listeners"(pair) {
    const sub = pair.subscriber.subscribe("order", "a");
    const { first: first } = await live(pair, sub);
    await pair.near.close();
    assert.deepEqual(await first, { done: true, value: undefined });
    assert.equal(pair.near.listenerCount(), 0);
    // A late subscription on a closed target ends at once; publishing does not throw.
    const late = pair.subscriber.subscribe("order", "a");
    pair.subscriber.publish("order", "a", { n: 1 });
    assert.deepEqual(await late.next(), { done: true, value: undefined });
    assert.equal(pair.near.listenerCount(), 0);
  },
};

async function malformed(pair: Pair) {
  const sub = pair.subscriber.subscribe("marker", "m");
  const { first: first } = await live(pair, sub);
  await pair.injectRaw!("marker:m", "{not json");
  await pair.injectRaw!("marker:m", '{"type":"__bogus","topic":"marker:m","id":"m"}');
  await pair.injectRaw!("marker:m", "x".repeat(MAX_PAYLOAD_BYTES + 1));
  await pair.injectRaw!("marker:m", '{"type":"marker"}');
  pair.publish("marker", "m", { m: "still up" });
  assert.deepEqual((await first).value, { type: "marker", id: "m", payload: { m: "still up" } });
  assert.deepEqual(pair.near.stats().dropped, {
    malformed: 2,
    oversized: 1,
    unknownControl: 1,
    denied: 0,
    slowConsumer: 0,
  });
  assert.deepEqual(pair.drops.map(([reason]) => reason).sort(), [
    "malformed",
    "malformed",
    "oversized",
    "unknownControl",
  ]);
  await sub.return();
}

for (const factory of PAIRS) {
  Deno.test({
    name: `pubsub conformance: ${factory.name}`,
    ignore: factory.ignore,
    async fn(t) {
      for (const [name, spec] of Object.entries(SPEC)) {
        await t.step(name, () => withPair(factory.create, spec));
      }
      await t.step({
        name: "drops malformed, unknown-control and oversized input and stays up",
        ignore: factory.name === "in-process",
        fn: () => withPair(factory.create, malformed),
      });
    },
  });
}
