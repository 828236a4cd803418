import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnHub, waitForHealthy } from "../helpers/hub_process.ts";

Deno.test("hub serve: starts on a fresh data dir, holds its lock, drains on SIGTERM", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_process_" });
  try {
    const hub = spawnHub(["serve", "--port", "0", "--data-dir", dataDir]);
    const url = await hub.url;

    await t.step("answers /health with 503 starting, then 200 with per-actor state", async () => {
      const first = await fetch(`${url}/health`);
      const early = await first.json();
      if (first.status === 503) {
        assert.equal(early.status, "starting");
        assert.equal(typeof early.step, "string");
      }
      const report = await waitForHealthy(url);
      assert.equal(report.status, "ok");
      const actors = report.actors as Array<Record<string, unknown>>;
      assert.deepEqual(actors.map((a) => [a.id, a.state]), [["coordinator", "running"]]);
    });

    await t.step("writes the admin key with mode 0600 and never logs it", async () => {
      const path = join(dataDir, "admin.key");
      const info = await Deno.stat(path);
      assert.equal(info.mode! & 0o777, 0o600);
      const key = (await Deno.readTextFile(path)).trim();
      assert.match(key, /^alk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      assert.ok(
        !hub.lines.some((line) => line.includes(key.slice(17))),
        "the key appears in a log line",
      );
      const ok = await fetch(`${url}/nothing-here`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal((await ok.json()).error.code, "not_found");
    });

    await t.step(
      "a second hub on the same data dir fails at once naming the holder's pid",
      async () => {
        const second = spawnHub(["serve", "--port", "0", "--data-dir", dataDir]);
        const status = await second.status;
        assert.equal(status.code, 1);
        const stderr = await second.stderr;
        assert.match(stderr, new RegExp(`in use by process ${hub.child.pid}`));
        assert.match(stderr, /step "lock-data-dir" failed/);
      },
    );

    await t.step("SIGTERM drains and exits 0", async () => {
      hub.child.kill("SIGTERM");
      const status = await hub.status;
      assert.equal(status.code, 0);
      assert.ok(hub.lines.some((line) => line.includes("Hub stopped")));
    });

    await t.step("a restart on the existing data dir keeps the admin key", async () => {
      const before = await Deno.readTextFile(join(dataDir, "admin.key"));
      const again = spawnHub(["--port", "0", "--data-dir", dataDir]);
      await waitForHealthy(await again.url);
      assert.equal(await Deno.readTextFile(join(dataDir, "admin.key")), before);
      assert.ok(!again.lines.some((line) => line.includes("Created the admin API key")));
      again.child.kill("SIGINT");
      assert.equal((await again.status).code, 0);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("hub serve: a failed step exits 1 naming the step and cause, leaving the data dir unlocked", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_process_" });
  try {
    const hub = spawnHub([
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--redis-url",
      "redis://127.0.0.1:1",
    ]);
    const status = await hub.status;
    assert.equal(status.code, 1);
    assert.match(
      await hub.stderr,
      /step "connect-redis" failed: Cannot connect to Redis at 127\.0\.0\.1:1/,
    );
    const lock = await Deno.open(join(dataDir, "hub.lock"), { read: true, write: true });
    try {
      assert.equal(await lock.tryLock(true), true, "the lock is still held");
    } finally {
      lock.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
