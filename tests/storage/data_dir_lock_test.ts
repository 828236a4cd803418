import assert from "node:assert/strict";
import { join } from "node:path";
import { HubError } from "@hub/errors";
import { acquireDataDirLock, heldDataDirLock, openDatabase } from "../../src/storage/mod.ts";
import { setupLogging } from "../../src/logging/mod.ts";
import { pgliteTemplate } from "../helpers/db.ts";
import { spawnLockHolder } from "./_holder_process.ts";

function isConflictNaming(pid: number, dir: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${error}`);
    assert.equal(error.code, "conflict");
    assert.equal(
      error.message,
      `Cannot open data dir "${dir}": it is in use by process ${pid} (lock file ${
        join(dir, "hub.lock")
      })`,
    );
    return true;
  };
}

Deno.test("acquireDataDirLock() creates the dir and records the holder", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "nested", "data");
  try {
    const lock = await acquireDataDirLock(dir);
    assert.equal(lock.path, join(dir, "hub.lock"));
    assert.equal(heldDataDirLock(dir), lock);
    const holder = JSON.parse(await Deno.readTextFile(lock.path));
    assert.equal(holder.pid, Deno.pid);
    assert.ok(!Number.isNaN(Date.parse(holder.startedAt)));
    // A second open file in the same process is refused too.
    await assert.rejects(acquireDataDirLock(dir), isConflictNaming(Deno.pid, dir));
    await lock.release();
    await lock.release();
    assert.equal(heldDataDirLock(dir), undefined);
    await using again = await acquireDataDirLock(dir);
    assert.ok(again.path);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("advertise() adds the holder's URL to its record, and a refused opener is told it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using lock = await acquireDataDirLock(dir);
    const before = JSON.parse(await Deno.readTextFile(lock.path));
    await lock.advertise("http://127.0.0.1:4321");
    const after = JSON.parse(await Deno.readTextFile(lock.path));
    assert.deepEqual(after, { ...before, url: "http://127.0.0.1:4321" });
    const refused = await acquireDataDirLock(dir).catch((error) => error);
    assert.ok(refused instanceof HubError, String(refused));
    assert.equal(refused.details?.url, "http://127.0.0.1:4321");
    assert.equal(refused.details?.pid, Deno.pid);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acquireDataDirLock() fails at once while another process holds the lock", async () => {
  const dir = await Deno.makeTempDir();
  const holder = await spawnLockHolder(dir);
  try {
    const started = performance.now();
    await assert.rejects(acquireDataDirLock(dir), isConflictNaming(holder.pid, dir));
    console.log(`  refused in ${(performance.now() - started).toFixed(1)} ms`);
    await assert.rejects(openDatabase({ dataDir: dir }), isConflictNaming(holder.pid, dir));
    // openDatabase() must not have touched the data dir it was refused.
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["hub.lock"]);
    assert.equal((await holder.stop()).code, 0);
    const lock = await acquireDataDirLock(dir);
    await lock.release();
  } finally {
    await holder.kill().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acquireDataDirLock() recovers the lock of a process killed with SIGKILL", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const holder = await spawnLockHolder(dir);
    await assert.rejects(acquireDataDirLock(dir), isConflictNaming(holder.pid, dir));
    const status = await holder.kill();
    assert.equal(status.signal, "SIGKILL");
    // The dead holder's pid is still in the file; the kernel released its lock anyway.
    const stale = JSON.parse(await Deno.readTextFile(join(dir, "hub.lock")));
    assert.equal(stale.pid, holder.pid);
    const lock = await acquireDataDirLock(dir);
    const fresh = JSON.parse(await Deno.readTextFile(lock.path));
    assert.equal(fresh.pid, Deno.pid);
    await lock.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "acquireDataDirLock() creates the data dir readable by its owner only (0700)",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir();
    const dir = join(root, "data");
    try {
      await using _lock = await acquireDataDirLock(dir);
      assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "openDatabase() warns when the data dir is open to other users and keeps pgdata 0700",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir();
    const lines: string[] = [];
    await setupLogging({ format: "json", write: (line) => lines.push(line) });
    try {
      await Deno.chmod(root, 0o755);
      const loadDataDir = await pgliteTemplate();
      await (await openDatabase({ dataDir: root, loadDataDir })).close();
      const warning = lines.map((line) => JSON.parse(line)).find((record) =>
        /wider than 0700; restrict it with chmod 700/.test(record.message)
      );
      assert.ok(warning, lines.join(""));
      assert.deepEqual(warning.properties, { dataDir: root, mode: "0755" });
      assert.equal((await Deno.stat(join(root, "pgdata"))).mode! & 0o777, 0o700);
      lines.length = 0;
      await Deno.chmod(root, 0o700);
      await (await openDatabase({ dataDir: root })).close();
      assert.ok(!lines.some((line) => /wider than 0700/.test(line)), lines.join(""));
    } finally {
      await setupLogging({ write: () => {} });
      await Deno.remove(root, { recursive: true });
    }
  },
});
