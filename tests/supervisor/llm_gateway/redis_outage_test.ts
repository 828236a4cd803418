import assert from "node:assert/strict";
import { TEST_REDIS_URL } from "../../helpers/services.ts";
import { waitFor } from "../../helpers/wait_for.ts";
import { withLlmHub } from "./_helpers.ts";
import { startRedisServer } from "./_redis_server.ts";

// These start a redis-server of their own (never the shared one), so they run with the Redis suite.
const ignore = !TEST_REDIS_URL;

const chat = (baseURL: string, key: string, signal?: AbortSignal) =>
  fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fake-1", messages: [{ role: "user", content: "Hi" }] }),
    signal,
  });

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: await response.json() };
}

/** Waits for /health to say ok again, then shows a limited request is served. */
async function recovers(hubUrl: string, baseURL: string, apiKey: string): Promise<void> {
  await waitFor(async () => (await health(hubUrl)).body.status === "ok", {
    timeoutMs: 10_000,
    what: "/health to say ok again",
  });
  const back = await chat(baseURL, apiKey);
  await back.body?.cancel();
  assert.equal(back.status, 200);
}

Deno.test({
  name:
    "redis outage: a paused Redis refuses limited requests while paused and /health says degraded",
  ignore,
  async fn() {
    const server = await startRedisServer();
    try {
      await withLlmHub(
        async ({ hub, baseURL, key }) => {
          const { key: apiKey } = await key({ limits: { rpm: 1000 } });
          const first = await chat(baseURL, apiKey);
          await first.body?.cancel();
          assert.equal(first.status, 200);
          server.pause();
          try {
            // The answer must come while Redis is still paused; the signal only keeps a
            // failing run (a request held for the whole pause) from hanging the suite.
            const refused = await chat(baseURL, apiKey, AbortSignal.timeout(20_000));
            assert.equal(refused.status, 503);
            assert.equal((await refused.json()).error.code, "limiter_unavailable");
            const degraded = await waitFor(async () => {
              const report = await health(hub.url);
              return report.body.status === "degraded" && report;
            }, { timeoutMs: 10_000, what: "/health to say degraded" });
            assert.equal(degraded.status, 503);
            assert.deepEqual(degraded.body.redis, { ok: false, status: "not answering" });
            assert.ok((degraded.body.issues as string[]).includes("redis: not answering"));
            // Known down: refused by the circuit, without waiting for a command to time out.
            const again = await chat(baseURL, apiKey, AbortSignal.timeout(20_000));
            assert.equal((await again.json()).error.code, "limiter_unavailable");
          } finally {
            server.resume();
          }
          await recovers(hub.url, baseURL, apiKey);
        },
        undefined,
        { redisUrl: server.url },
      );
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "redis outage: a stopped Redis is degraded on /health and limited requests are refused",
  ignore,
  async fn() {
    const server = await startRedisServer();
    try {
      await withLlmHub(
        async ({ hub, baseURL, key }) => {
          const { key: apiKey } = await key({ limits: { maxParallel: 4 } });
          await server.stop();
          const degraded = await waitFor(async () => {
            const report = await health(hub.url);
            return report.body.status === "degraded" && report;
          }, { timeoutMs: 10_000, what: "/health to say degraded" });
          assert.equal((degraded.body.redis as { ok: boolean }).ok, false);
          const refused = await chat(baseURL, apiKey, AbortSignal.timeout(20_000));
          assert.equal(refused.status, 503);
          assert.equal((await refused.json()).error.code, "limiter_unavailable");
          await server.start();
          await recovers(hub.url, baseURL, apiKey);
        },
        undefined,
        { redisUrl: server.url },
      );
    } finally {
      await server.close();
    }
  },
});
