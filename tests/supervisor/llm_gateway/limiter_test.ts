import assert from "node:assert/strict";
import { Redis } from "ioredis";
import {
  type LimitDecision,
  type LlmLimiter,
  MemoryLimiter,
  RedisLimiter,
} from "../../../src/supervisor/llm_gateway/mod.ts";
import { connectRedis, type RedisConnection } from "../../../src/supervisor/startup/services.ts";
import { TEST_REDIS_URL } from "../../helpers/services.ts";
import { waitFor } from "../../helpers/wait_for.ts";
import { type RedisServer, startRedisServer } from "./_redis_server.ts";

const ignore = !TEST_REDIS_URL;

function admitted(decisions: LimitDecision[]): number {
  return decisions.filter((d) => d.admitted).length;
}

/** The same spec over every limiter: one in-process, or two sharing Redis. */
async function limiterSpec(t: Deno.TestContext, pair: () => [LlmLimiter, LlmLimiter]) {
  await t.step("rpm admits exactly the limit across instances", async () => {
    const [a, b] = pair();
    const limits = { rpm: 7 };
    const decisions = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) => (i % 2 ? a : b).acquire({ keyId: "k-rpm", limits, tokens: 1 }),
      ),
    );
    assert.equal(admitted(decisions), 7);
    const refused = decisions.find((d) => !d.admitted)!;
    assert.equal(refused.admitted, false);
    if (!refused.admitted) {
      assert.equal(refused.limit, "requests");
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000 / 7 + 1);
      assert.equal(refused.headers["x-ratelimit-limit-requests"], "7");
      assert.equal(refused.headers["x-ratelimit-remaining-requests"], "0");
    }
  });

  await t.step("tpm reserves the estimate and settles with actual usage", async () => {
    const [a, b] = pair();
    const limits = { tpm: 1000 };
    const first = await a.acquire({ keyId: "k-tpm", limits, tokens: 600 });
    assert.ok(first.admitted);
    // 400 left: a second 600 does not fit on either instance.
    const second = await b.acquire({ keyId: "k-tpm", limits, tokens: 600 });
    assert.equal(second.admitted, false);
    if (!second.admitted) assert.equal(second.limit, "tokens");
    // The first used only 100: 500 come back, so 600 fits now (plus a little refill).
    if (first.admitted) await a.settle(first.lease, 100);
    const third = await b.acquire({ keyId: "k-tpm", limits, tokens: 600 });
    assert.ok(third.admitted);
    assert.equal(third.headers["x-ratelimit-limit-tokens"], "1000");
    const tooLarge = await a.acquire({ keyId: "k-tpm", limits, tokens: 5000 });
    assert.equal(!tooLarge.admitted && tooLarge.limit, "tokens_too_large");
  });

  await t.step("maxParallel holds across instances and frees slots on settle", async () => {
    const [a, b] = pair();
    const limits = { maxParallel: 3 };
    const decisions = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) => (i % 2 ? a : b).acquire({ keyId: "k-par", limits, tokens: 0 }),
      ),
    );
    assert.equal(admitted(decisions), 3);
    const held = decisions.filter((d) => d.admitted);
    const first = held[0];
    if (first.admitted) await (decisions.indexOf(first) % 2 ? a : b).settle(first.lease, 0);
    const again = await a.acquire({ keyId: "k-par", limits, tokens: 0 });
    assert.ok(again.admitted);
    const full = await b.acquire({ keyId: "k-par", limits, tokens: 0 });
    assert.equal(!full.admitted && full.limit, "parallel");
  });

  await t.step("a refusal by one limit consumes none of the others", async () => {
    const [a] = pair();
    const limits = { rpm: 5, tpm: 100 };
    const big = await a.acquire({ keyId: "k-mix", limits, tokens: 101 });
    assert.equal(big.admitted, false);
    const decisions = [];
    for (let i = 0; i < 6; i++) {
      decisions.push(await a.acquire({ keyId: "k-mix", limits, tokens: 10 }));
    }
    assert.equal(admitted(decisions), 5, "the refused request took no request slot");
  });

  await t.step(
    "a refusal by one limit carries the headers of every limit the key has",
    async () => {
      const [a, b] = pair();
      const limits = { rpm: 1, tpm: 1000 };
      assert.ok((await a.acquire({ keyId: "k-heads", limits, tokens: 100 })).admitted);
      const refused = await b.acquire({ keyId: "k-heads", limits, tokens: 100 });
      assert.equal(!refused.admitted && refused.limit, "requests");
      assert.equal(refused.headers["x-ratelimit-remaining-requests"], "0");
      assert.equal(refused.headers["x-ratelimit-limit-tokens"], "1000");
      // 900 left after the first request's reservation (plus whatever refilled since).
      const tokens = Number(refused.headers["x-ratelimit-remaining-tokens"]);
      assert.ok(tokens >= 900 && tokens < 1000, `remaining tokens ${tokens}`);
    },
  );
}

Deno.test("MemoryLimiter: limits, reservations and slots", async (t) => {
  await limiterSpec(t, () => {
    const limiter = new MemoryLimiter();
    return [limiter, limiter];
  });
});

Deno.test({
  name: "RedisLimiter: two hub-side instances sharing Redis admit exactly the limit",
  ignore,
  async fn(t) {
    const clients = [new Redis(TEST_REDIS_URL!), new Redis(TEST_REDIS_URL!)];
    try {
      await limiterSpec(t, () => {
        // A fresh namespace per step, so runs never see each other's counters.
        const prefix = `hub-test:llm:${crypto.randomUUID()}`;
        return [new RedisLimiter(clients[0], { prefix }), new RedisLimiter(clients[1], { prefix })];
      });
    } finally {
      for (const client of clients) client.disconnect();
    }
  },
});

Deno.test("MemoryLimiter: buckets refill at the limit's rate", () => {
  let now = 0;
  const limiter = new MemoryLimiter(() => now);
  const limits = { rpm: 60 };
  for (let i = 0; i < 60; i++) assert.ok(limiter.check({ keyId: "k", limits, tokens: 0 }).admitted);
  const refused = limiter.check({ keyId: "k", limits, tokens: 0 });
  assert.equal(refused.admitted, false);
  if (!refused.admitted) assert.equal(refused.retryAfterMs, 1000);
  now += 1000; // one request per second comes back
  assert.ok(limiter.check({ keyId: "k", limits, tokens: 0 }).admitted);
  assert.equal(limiter.check({ keyId: "k", limits, tokens: 0 }).admitted, false);
});

/** A limiter on a redis-server of the test's own, through the hub's connection. */
async function withOwnRedis(
  fn: (ctx: { server: RedisServer; connection: RedisConnection; prefix: string }) => Promise<void>,
) {
  const server = await startRedisServer();
  try {
    const connection = await connectRedis(server.url, { probeIntervalMs: 50 });
    try {
      await fn({ server, connection, prefix: `hub-test:llm:${crypto.randomUUID()}` });
    } finally {
      await connection.close();
    }
  } finally {
    await server.close();
  }
}

Deno.test({
  name: "RedisLimiter: a slot release that fails while Redis is down is retried until it lands",
  ignore,
  async fn() {
    await withOwnRedis(async ({ server, connection, prefix }) => {
      const limiter = new RedisLimiter(connection, { prefix });
      try {
        const limits = { maxParallel: 1 };
        const held = await limiter.acquire({ keyId: "k", limits, tokens: 0 });
        assert.ok(held.admitted);
        await server.stop();
        await waitFor(() => !connection.answering(), { what: "the connection to see Redis down" });
        // The release cannot land now; it must not be forgotten either.
        const settled = limiter.settle(held.lease, 0);
        await server.start(); // with the slot still in its saved data
        await settled;
        const again = await limiter.acquire({ keyId: "k", limits, tokens: 0 });
        assert.ok(again.admitted, "the slot was released after Redis came back");
        await limiter.settle(again.lease, 0);
      } finally {
        limiter.close();
      }
    });
  },
});

Deno.test({
  name:
    "RedisLimiter: a slot's short lease is renewed while its request lives, and runs out without it",
  ignore,
  async fn() {
    await withOwnRedis(async ({ connection, prefix }) => {
      const slotLeaseMs = 300;
      const limits = { maxParallel: 1 };
      const limiter = new RedisLimiter(connection, { prefix, slotLeaseMs });
      const other = new RedisLimiter(connection, { prefix, slotLeaseMs });
      try {
        const held = await limiter.acquire({ keyId: "k", limits, tokens: 0 });
        assert.ok(held.admitted && held.lease.slot);
        const slots = `${prefix}:{k}:slots`;
        const first = Number(await connection.client.zscore(slots, held.lease.slot));
        await waitFor(
          async () => Number(await connection.client.zscore(slots, held.lease.slot!)) > first + 300,
          { what: "the slot's lease to be renewed past its first end" },
        );
        const refused = await other.acquire({ keyId: "k", limits, tokens: 0 });
        assert.equal(!refused.admitted && refused.limit, "parallel");
        // The holder dies without releasing: its slot is free again within one lease.
        limiter.close();
        const freed = await waitFor(async () => {
          const decision = await other.acquire({ keyId: "k", limits, tokens: 0 });
          return decision.admitted && decision;
        }, { what: "the dead holder's slot to run out" });
        await other.settle(freed.lease, 0);
        assert.equal(other.slotsHeld, 0);
      } finally {
        limiter.close();
        other.close();
      }
    });
  },
});

Deno.test("MemoryLimiter: a settle with a token count that is not a number keeps tpm enforced", async () => {
  const limiter = new MemoryLimiter(() => 0);
  const limits = { tpm: 1000 };
  const first = limiter.check({ keyId: "k", limits, tokens: 600 });
  assert.ok(first.admitted);
  // An upstream's `usage: {"completion_tokens": {}}` must not turn the bucket into NaN.
  await limiter.settle(first.lease, Number.NaN);
  const second = limiter.check({ keyId: "k", limits, tokens: 600 });
  assert.equal(!second.admitted && second.limit, "tokens", "the reservation stands");
});

Deno.test({
  name:
    "RedisLimiter: while Redis is known to be down a check fails at once, before any reconnect attempt",
  ignore,
  async fn() {
    await withOwnRedis(async ({ server, connection, prefix }) => {
      const limiter = new RedisLimiter(connection, { prefix });
      try {
        await server.stop();
        await waitFor(() => !connection.answering(), { what: "the connection to see Redis down" });
        let reconnects = 0;
        const count = () => reconnects++;
        connection.client.on("reconnecting", count);
        // Held until a reconnect attempt failed, the check was answered only after one.
        const error = await limiter.acquire({ keyId: "k", limits: { rpm: 5 }, tokens: 0 })
          .then(() => undefined, (e) => e);
        connection.client.off("reconnecting", count);
        assert.match(String(error?.message), /Cannot check rate limits: Redis is not answering/);
        assert.equal(reconnects, 0);
      } finally {
        limiter.close();
      }
    });
  },
});
