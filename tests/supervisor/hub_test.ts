import assert from "node:assert/strict";
import { join } from "node:path";
import { buildHealth } from "../../src/supervisor/health.ts";
import { startHub, StartupError } from "../../src/supervisor/mod.ts";
import { acquireDataDirLock } from "../../src/storage/mod.ts";
import { freshPglite, freshPostgres } from "../helpers/db.ts";
import { withHub } from "../helpers/hub.ts";
import { rawSocket } from "./spokes/_rig.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services.ts";
import { fixtureActor, waitForState, withSystem } from "./actors/_helpers.ts";

// No socket needed: these drive the hub's Hono app in-process.
Deno.test("hub: every route but /health needs a valid bearer key, with coded errors", async (t) => {
  await withHub(async (hub, { adminKey, logs }) => {
    await t.step("/health is open and reports ok with the database and actors", async () => {
      const response = await hub.app.request("/health");
      assert.equal(response.status, 200);
      const report = await response.json();
      assert.equal(report.status, "ok");
      assert.deepEqual(report.database, { driver: "pglite", ok: true });
      assert.equal(report.actors[0].id, "coordinator");
    });

    const cases: Array<[string, Record<string, string>, number, string, RegExp]> = [
      ["no key", {}, 401, "unauthorized", /Missing Authorization/],
      ["not a bearer header", { authorization: "Basic abc" }, 401, "unauthorized", /Bearer/],
      ["a malformed key", { authorization: "Bearer nope" }, 401, "unauthorized", /Invalid API key/],
      [
        "a well-formed unknown key",
        { authorization: `Bearer alk_000000000000_${"A".repeat(43)}` },
        401,
        "unauthorized",
        /Invalid API key/,
      ],
      [
        "the admin key on an unknown route",
        { authorization: `Bearer ${adminKey}` },
        404,
        "not_found",
        /GET \/v0\/x/,
      ],
    ];
    for (const [name, headers, status, code, message] of cases) {
      await t.step(name, async () => {
        const response = await hub.app.request("/v0/x", { headers });
        assert.equal(response.status, status);
        const body = await response.json();
        assert.equal(body.error.code, code);
        assert.match(body.error.message, message);
        assert.equal(body.error.requestId, response.headers.get("x-request-id"));
        if (status === 401) assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      });
    }

    await t.step("an oversized body is refused with payload_too_large", async () => {
      const response = await hub.app.request("/v0/x", {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}` },
        body: "x".repeat(hub.settings.bodyLimitBytes + 1),
      });
      assert.equal(response.status, 413);
      assert.equal((await response.json()).error.code, "payload_too_large");
    });

    await t.step("no log line holds the admin key", () => {
      assert.ok(logs.length > 5);
      const secret = adminKey.slice("alk_000000000000_".length);
      assert.ok(!logs.some((line) => line.includes(secret)));
      assert.ok(logs.some((line) => line.includes("Created the admin API key")));
    });

    await t.step("the log says no config file was loaded", () => {
      assert.ok(logs.some((line) => line.includes("No config file")));
    });
  });
});

Deno.test("hub: logs the config file it loaded; log.access=false drops access lines, not refusals", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hub_config_" });
  try {
    const config = join(dir, "hub.json");
    await Deno.writeTextFile(config, JSON.stringify({ log: { access: false } }));
    await withHub(async (hub, { logs }) => {
      const loaded = logs.map((line) => JSON.parse(line)).find((record) =>
        record.message.startsWith("Loaded config file")
      );
      assert.equal(loaded?.properties.path, config);
      assert.equal(hub.settings.accessLog, false);
      const from = logs.length;
      assert.equal((await hub.app.request("/api/v1/operations")).status, 401);
      const loggers = logs.slice(from).map((line) => JSON.parse(line).logger);
      assert.deepEqual(loggers, ["hub.http"], "the refusal warning only");
    }, { config });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hub: a locked data dir fails at step lock-data-dir, before the listener binds", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_test_" });
  const lock = await acquireDataDirLock(dataDir);
  try {
    let listened = false;
    const error = await startHub({
      flags: { port: 0, dataDir },
      env: {},
      logWrite: () => {},
      onListen: () => listened = true,
    }).then(() => undefined, (error) => error);
    assert.ok(error instanceof StartupError, String(error));
    assert.equal(error.step, "lock-data-dir");
    assert.match(error.message, /step "lock-data-dir" failed: Cannot open data dir .* in use by/);
    assert.equal(listened, false);
  } finally {
    await lock.release();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("hub: a revoked key stops working at once, though verifications are cached", async () => {
  await withHub(async (hub, { adminKey }) => {
    const { key, record } = await hub.keys.create({ name: "probe", scopes: ["ops"] }, {
      via: "system",
    });
    const get = async () =>
      await (await hub.app.request("/x", { headers: { authorization: `Bearer ${key}` } })).json();
    assert.equal((await get()).error.code, "not_found", "the new key works (and is now cached)");
    await hub.keys.revoke(record.id, { via: "system" });
    const body = await get();
    assert.equal(body.error.code, "unauthorized");
    assert.equal(body.error.message, "API key has been revoked");
    const admin = await hub.app.request("/x", { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal((await admin.json()).error.code, "not_found", "other keys are unaffected");
  });
});

Deno.test("hub: /health is degraded while an actor has exhausted its restarts", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("fragile"));
    // The crash report may overtake the answer (they travel on separate channels).
    await handle.api.crashSoon().catch((error) => assert.equal(error.code, "unavailable"));
    await waitForState(system, "fragile", (actor) => actor.state === "failed");
    const storage = { database: { driver: "pglite" }, probe: () => Promise.resolve(true) };
    const report = await buildHealth({
      phase: "running",
      step: "ready",
      startedAt: performance.now(),
      actors: system,
      storage: storage as never,
    });
    assert.equal(report.status, "degraded");
    assert.deepEqual(report.issues, ["actor fragile: failed (restart limit reached)"]);
    assert.equal(report.actors[0].state, "failed");
  }, { restart: { maxRestarts: 0, windowMs: 10_000, backoffBaseMs: 5, backoffMaxMs: 20 } });
});

Deno.test({
  name: "hub: runs on PostgreSQL and Redis when their URLs are given [postgres] [redis]",
  ignore: !TEST_DATABASE_URL || !TEST_REDIS_URL,
  async fn() {
    const postgres = await freshPostgres({ migrate: false });
    try {
      await withHub(async (hub) => {
        const report = await hub.health();
        assert.equal(report.status, "ok");
        assert.deepEqual(report.database, { driver: "postgres", ok: true });
        assert.deepEqual(report.redis, { ok: true, status: "ready" });
      }, { databaseUrl: postgres.url, redisUrl: TEST_REDIS_URL });
    } finally {
      await postgres.drop();
    }
  },
});

Deno.test("hub: events flow between the main thread and an actor Worker, both ways, scoped", async () => {
  await withHub(async (hub) => {
    const actor = await hub.actors.start(fixtureActor("events-probe"));
    const fromActor = hub.pubsub.subscribe("probe.up", "p1");
    const first = fromActor.next();
    await hub.router.sync();
    await actor.api.publish("probe.up", "p0", { n: 0 }); // another id: not delivered here
    await actor.api.publish("probe.up", "p1", { n: 1 });
    assert.deepEqual((await first).value, { type: "probe.up", id: "p1", payload: { n: 1 } });
    await fromActor.return();

    await actor.api.listen("probe.down", "p1");
    hub.pubsub.publish("probe.down", "p1", { n: 2 });
    assert.deepEqual((await actor.api.received()).payload, { n: 2 });
  });
});

Deno.test("hub: stop() ends open SSE streams at once, and a second stop() waits for the first", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_test_" });
  const logs: string[] = [];
  const hub = await startHub({
    flags: { port: 0, dataDir },
    env: {},
    logWrite: (line) => logs.push(line),
    openDatabase: () => freshPglite(),
  });
  try {
    const key = (await Deno.readTextFile(`${dataDir}/admin.key`)).trim();
    const stream = await fetch(`${hub.url}/api/v1/events?topic=anything`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /event: ready/);
    const first = hub.stop();
    assert.equal(hub.stop(), first, "one shutdown, shared");
    while (!(await reader.read()).done); // the server ended the stream
    await first;
    assert.ok(
      !logs.some((line) => line.includes("Shutdown deadline")),
      "the listener drained without waiting",
    );
  } finally {
    await hub.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("hub: at shutdown an in-flight HTTP call to a spoke operation is answered before spokes close", async () => {
  await withHub(async (hub, { request }) => {
    const { key } = await hub.keys.create({ name: "drain-spoke", scopes: ["spoke"] }, {
      via: "system",
    });
    const spoke = await rawSocket(hub.url.replace(/^http/, "ws") + "/ws", key);
    await spoke.next("welcome");
    const slow = {
      name: "lab.slow",
      kind: "mutation",
      description: "Answers when the test says so",
      input: { type: "object", properties: {} },
      output: { type: "object", properties: { done: { type: "boolean" } }, required: ["done"] },
      access: { scopes: [] },
    };
    spoke.send({
      type: "register",
      id: "r",
      payload: { protocol: 1, name: "slow", version: "1", maxInFlight: 1, operations: [slow] },
    });
    await spoke.next("registered");

    const answer = request("/api/v1/operations/lab.slow", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const requested = await spoke.next("call.requested");
    const stopped = hub.stop();
    // While it drains, a new request is answered 503, not refused at the socket.
    const during = await request("/api/v1/operations");
    assert.equal(during.status, 503);
    assert.equal((await during.json()).error.code, "unavailable");
    // The spoke did the work and answers while the hub drains.
    spoke.send({
      type: "call.responded",
      id: "c",
      payload: { requestId: requested.payload.requestId, output: { done: true } },
    });
    const response = await answer;
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(body.output ?? body, { done: true });
    await stopped;
    // Closed after the drain, as going away.
    assert.equal((await spoke.closed).code, 1001);
  });
});
