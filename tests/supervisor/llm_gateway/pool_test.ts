/**
 * The supervisor's side of the gateway without Workers: proxyCall driven by
 * a fake pool, and the pool driven by a fake actor system.
 *
 * @module
 */
import assert from "node:assert/strict";
import { emptySummary } from "../../../src/actors/llm_proxy/mod.ts";
import {
  Catalog,
  type CatalogData,
  llmError,
  toOpenAiError,
} from "../../../src/llm_catalog/mod.ts";
import type { KeyRing, LlmProviderConfig } from "../../../src/config/mod.ts";
import type { HubDb, NewLlmUsageRow } from "../../../src/storage/mod.ts";
import type { ActorStateChange, ActorSystem } from "../../../src/supervisor/actors/mod.ts";
import {
  type LlmGateway,
  LlmProxyPool,
  MemoryLimiter,
  proxyCall,
  type ProxySink,
  startLlmGateway,
} from "../../../src/supervisor/llm_gateway/mod.ts";

const encoder = new TextEncoder();

const catalogData = {
  providers: [{ name: "local", baseURL: "http://upstream/v1", models: ["m"] }],
  aliases: {},
};

/** A gateway whose pool hands every request's sink to `drive`. */
function fakeGateway(drive: (sink: ProxySink) => void) {
  const records: NewLlmUsageRow[] = [];
  const catalog = new Catalog(catalogData);
  const gateway = {
    pool: {
      dispatch(_input: unknown, sink: ProxySink) {
        drive(sink);
        return () => {};
      },
    },
    limiter: new MemoryLimiter(),
    usage: { record: (row: NewLlmUsageRow) => records.push(row) },
    catalog: () => catalog,
  } as unknown as LlmGateway;
  return { gateway, records };
}

const chatStream = (gateway: LlmGateway) =>
  proxyCall(gateway, {
    requestId: "req-1",
    key: { id: "k", name: "k", prefix: "k", scopes: ["llm"], limits: {} },
    endpoint: "chat",
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    signal: new AbortController().signal,
  });

Deno.test("proxyCall: a whole response after the stream started ends the stream with its error", async () => {
  const first = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n';
  const error = toOpenAiError(llmError("internal", "Cannot proxy request: boom")).body;
  const summary = emptySummary({ estimated: true, errorCode: "internal" });
  // What the actor posts when `run` throws after the head went out.
  const { gateway, records } = fakeGateway((sink) => {
    sink.head(encoder.encode(first));
    const body = encoder.encode(JSON.stringify(error));
    sink.response({ t: "res", id: 1, status: 500, body, summary });
  });
  const response = await chatStream(gateway);
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  // Resolves only once the stream is closed.
  assert.equal(await response.text(), `${first}data: ${JSON.stringify(error)}\n\n`);
  assert.equal(records.length, 1);
  assert.equal(records[0].errorCode, "internal");
});

Deno.test("proxyCall: a failure the actor reports after the stream started ends the stream in OpenAI's shape", async () => {
  const first = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n';
  const summary = emptySummary({ estimated: true, errorCode: "internal" });
  const { gateway, records } = fakeGateway((sink) => {
    sink.head(encoder.encode(first));
    sink.failed({
      t: "fail",
      id: 1,
      error: { code: "internal", message: "Cannot proxy request: boom" },
      summary,
    });
  });
  const response = await chatStream(gateway);
  const expected = toOpenAiError(llmError("internal", "Cannot proxy request: boom")).body;
  assert.equal(await response.text(), `${first}data: ${JSON.stringify(expected)}\n\n`);
  assert.equal(records.length, 1);
  assert.equal(records[0].errorCode, "internal");
});

Deno.test("proxyCall: a failure before any byte is answered with its status and reason as code", async () => {
  const summary = emptySummary({
    provider: "local",
    model: "m",
    errorCode: "upstream_timeout",
    attempts: 1,
  });
  const { gateway, records } = fakeGateway((sink) =>
    sink.failed({
      t: "fail",
      id: 1,
      error: {
        code: "timeout",
        message: 'Upstream "local/m" did not answer within 5 ms',
        details: { reason: "upstream_timeout" },
      },
      summary,
    })
  );
  const response = await chatStream(gateway);
  assert.equal(response.status, 504);
  assert.equal(response.headers.get("x-request-id"), "req-1");
  const { error } = await response.json();
  assert.deepEqual([error.type, error.code], ["server_error", "upstream_timeout"]);
  assert.deepEqual([records[0].status, records[0].errorCode], [504, "upstream_timeout"]);
});

Deno.test("LlmProxyPool: a catalog change while a restarted member attaches still reaches it", async () => {
  const before: CatalogData = { providers: [], aliases: {} };
  const after: CatalogData = catalogData;
  const configured: CatalogData[] = [];
  const answers: Promise<void>[] = [];
  let gate: Promise<void> | undefined; // the answer to the next configure call, if held
  const reached = Promise.withResolvers<void>();
  const api = {
    attach: () => Promise.resolve(),
    configure(catalog: CatalogData) {
      configured.push(catalog);
      const answer = gate ?? Promise.resolve();
      if (gate) reached.resolve();
      gate = undefined;
      answers.push(answer);
      return answer;
    },
  };
  let onChange: (change: ActorStateChange) => void = () => {};
  const system = {
    onStateChange(listener: (change: ActorStateChange) => void) {
      onChange = listener;
      return () => {};
    },
    start: () => Promise.resolve({ id: "llm-proxy-0", api }),
  } as unknown as ActorSystem;
  const pool = await LlmProxyPool.start(system, 1, { timeoutMs: 1000, cooldownMs: 1000 }, before);
  try {
    // The worker restarts: the member detaches, then attaches again.
    const change = (state: string, previous: string) =>
      onChange({ actor: { id: "llm-proxy-0", state }, previous } as unknown as ActorStateChange);
    change("restarting", "running");
    assert.equal(pool.ready, 0);
    const release = Promise.withResolvers<void>();
    gate = release.promise;
    change("running", "restarting");
    await reached.promise; // the attach is sending the catalog it read: `before`
    await pool.configure(after); // the member has no port yet, so configure() skips it
    release.resolve();
    // The attach awaited the held answer before this test did, so it has moved on by now:
    // either it sent the new catalog, or (the bug) it took its port with the old one.
    await release.promise;
    assert.deepEqual(configured, [before, before, after]);
    await answers.at(-1);
    assert.equal(pool.ready, 1);
  } finally {
    pool.close();
  }
});

Deno.test("gateway: close() while the first pool is starting closes that pool once it has started", async () => {
  const providers: LlmProviderConfig[] = [];
  const noRows = { select: () => ({ from: () => ({ orderBy: () => Promise.resolve([]) }) }) };
  const api = { attach: () => Promise.resolve(), configure: () => Promise.resolve() };
  const starting = Promise.withResolvers<void>();
  const start = Promise.withResolvers<{ id: string; api: typeof api }>();
  let unsubscribed = false;
  const actors = {
    onStateChange: () => () => void (unsubscribed = true),
    start() {
      starting.resolve();
      return start.promise;
    },
  } as unknown as ActorSystem;
  const gateway = await startLlmGateway({
    settings: { poolSize: 1, timeoutMs: 1000, cooldownMs: 1000, providers, aliases: {} },
    actors,
    db: noRows as unknown as HubDb,
    keyRing: {} as KeyRing,
  });
  assert.equal(gateway.pool === undefined, true); // no provider, no pool
  providers.push({ name: "local", baseURL: "http://upstream/v1", models: ["m"] });
  const reloaded = gateway.reload(); // the first provider: the pool starts
  await starting.promise;
  await gateway.close();
  start.resolve({ id: "llm-proxy-0", api });
  await reloaded;
  assert.equal(unsubscribed, true, "the pool started after close() was left running");
  assert.equal(gateway.pool?.ready ?? 0, 0);
});
