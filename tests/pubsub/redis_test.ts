import assert from "node:assert/strict";
import { Redis, type RedisOptions } from "ioredis";
import { createPubSub, createRedisEventTarget, type DropReason } from "@alkdev/pubsub";
import { TEST_REDIS_URL } from "../helpers/services.ts";
import type { TestEvents } from "./_events.ts";

const ignore = !TEST_REDIS_URL;

function setup(options: RedisOptions = {}) {
  const prefix = `test:pubsub:${crypto.randomUUID()}:`;
  const name = `pubsub-test-${crypto.randomUUID()}`;
  const publishClient = new Redis(TEST_REDIS_URL!);
  const subscribeClient = new Redis(TEST_REDIS_URL!, { ...options, connectionName: name });
  const drops: DropReason[] = [];
  const target = createRedisEventTarget({
    publishClient,
    subscribeClient,
    prefix,
    onDrop: (reason) => drops.push(reason),
  });
  const pubsub = createPubSub<TestEvents>({ eventTarget: target });
  const numsub = async (topic: string) => {
    const reply = await publishClient.pubsub("NUMSUB", prefix + topic) as [string, number];
    return Number(reply[1]);
  };
  return {
    prefix,
    name,
    publishClient,
    subscribeClient,
    target,
    pubsub,
    drops,
    numsub,
    async close() {
      await target.close();
      await Promise.all([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

Deno.test({
  name: "[redis] SUBSCRIBE and UNSUBSCRIBE are reference-counted per channel",
  ignore,
  async fn() {
    const redis = setup();
    const one = redis.pubsub.subscribe("order", "a");
    const two = redis.pubsub.subscribe("order", "a");
    const firstOne = one.next();
    const firstTwo = two.next();
    await redis.target.sync();
    assert.equal(await redis.numsub("order:a"), 1);
    redis.pubsub.publish("order", "a", { n: 1 });
    assert.equal((await firstOne).value?.payload.n, 1);
    assert.equal((await firstTwo).value?.payload.n, 1);
    await one.return();
    await redis.target.sync();
    assert.equal(await redis.numsub("order:a"), 1);
    await two.return();
    await redis.target.sync();
    assert.equal(await redis.numsub("order:a"), 0);
    await redis.close();
  },
});

for (const autoResubscribe of [true, false]) {
  Deno.test({
    name:
      `[redis] resubscribes after its subscriber connection is killed (autoResubscribe: ${autoResubscribe})`,
    ignore,
    async fn() {
      const redis = setup({ autoResubscribe });
      const sub = redis.pubsub.subscribe("order", "a");
      const first = sub.next();
      await redis.target.sync();
      const ready = new Promise((resolve) => redis.subscribeClient.once("ready", resolve));
      const clients = await redis.publishClient.client("LIST") as string;
      const line = clients.split("\n").find((entry) => entry.includes(`name=${redis.name}`));
      const id = line?.match(/\bid=(\d+)/)?.[1];
      assert.ok(id, "the subscriber connection is listed");
      await redis.publishClient.client("KILL", "ID", id);
      await ready;
      await redis.target.sync();
      assert.equal(await redis.numsub("order:a"), 1);
      redis.pubsub.publish("order", "a", { n: 1 });
      redis.pubsub.publish("order", "a", { n: 2 });
      assert.equal((await first).value?.payload.n, 1);
      assert.equal((await sub.next()).value?.payload.n, 2);
      // ioredis and the target may both resubscribe; Redis keeps one subscription, so no duplicates.
      assert.equal(redis.target.stats().received, 2);
      await sub.return();
      await redis.close();
    },
  });
}

Deno.test({
  name: "[redis] ignores channels outside its prefix and drops bad messages on its own",
  ignore,
  async fn() {
    const redis = setup();
    const sub = redis.pubsub.subscribe("marker", "m");
    const first = sub.next();
    await redis.target.sync();
    await redis.publishClient.publish(
      "marker:m",
      JSON.stringify({ type: "marker", id: "m", payload: { m: "x" } }),
    );
    await redis.publishClient.publish(`${redis.prefix}marker:m`, "[]");
    redis.pubsub.publish("marker", "m", { m: "mine" });
    assert.equal((await first).value?.payload.m, "mine");
    assert.deepEqual(redis.drops, ["malformed"]);
    await sub.return();
    await redis.close();
  },
});

Deno.test({
  name: "[redis] close() flushes publishes, unsubscribes and leaves the clients connected",
  ignore,
  async fn() {
    const redis = setup();
    const sub = redis.pubsub.subscribe("order");
    const first = sub.next();
    await redis.target.sync();
    assert.equal(await redis.numsub("order"), 1);
    // A second target publishes and closes at once: the queued publish still goes out.
    const idle = redis.publishClient.duplicate();
    const publisher = createRedisEventTarget({
      publishClient: redis.publishClient,
      subscribeClient: idle,
      prefix: redis.prefix,
    });
    createPubSub<TestEvents>({ eventTarget: publisher }).publish("order", "a", { n: 7 });
    await publisher.close();
    assert.equal((await first).value?.payload.n, 7);
    const next = sub.next();
    await redis.target.close();
    assert.deepEqual(await next, { done: true, value: undefined });
    assert.equal(await redis.numsub("order"), 0);
    assert.equal(await redis.publishClient.ping(), "PONG");
    await idle.quit();
    assert.equal(
      redis.target.dispatchEvent(
        new CustomEvent("order", { detail: { type: "order", id: "a", payload: {} } }),
      ),
      false,
    );
    await redis.close();
  },
});

Deno.test({
  name: "[redis] a custom serializer is used both ways",
  ignore,
  async fn() {
    const prefix = `test:pubsub:${crypto.randomUUID()}:`;
    const clients = [new Redis(TEST_REDIS_URL!), new Redis(TEST_REDIS_URL!)];
    const serializer = {
      stringify: (value: unknown) => `v1:${JSON.stringify(value)}`,
      parse: (text: string) => JSON.parse(text.slice(3)),
    };
    const target = createRedisEventTarget({
      publishClient: clients[0],
      subscribeClient: clients[1],
      prefix,
      serializer,
    });
    const pubsub = createPubSub<TestEvents>({ eventTarget: target });
    const sub = pubsub.subscribe("marker", "m");
    const first = sub.next();
    await target.sync();
    const raw = new Promise<string>((resolve) =>
      clients[1].once("message", (_channel, message) => resolve(message))
    );
    pubsub.publish("marker", "m", { m: "hi" });
    assert.ok((await raw).startsWith("v1:{"));
    assert.equal((await first).value?.payload.m, "hi");
    await sub.return();
    await target.close();
    await Promise.all(clients.map((client) => client.quit()));
  },
});
