import assert from "node:assert/strict";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import {
  acquireDataDirLock,
  apiKeys,
  type Database,
  openDatabase,
  runMigrations,
} from "../../src/storage/mod.ts";
import { freshPglite, pgliteClient, pgliteTemplate } from "../helpers/db.ts";

Deno.test("openDatabase() keeps PGlite data across close and reopen of a data dir", async () => {
  const root = await Deno.makeTempDir();
  // Parents that do not exist yet: PGlite would not create them itself.
  const dataDir = join(root, "a", "b");
  try {
    const first = await openDatabase({ dataDir });
    assert.equal(first.driver, "pglite");
    assert.ok((await runMigrations(first)).applied > 0);
    await first.db.insert(apiKeys).values({
      name: "kept",
      prefix: "hub_keep",
      hash: "e".repeat(64),
      scopes: ["admin"],
    });
    // While open, the data dir is locked against everyone, this process included.
    await assert.rejects(acquireDataDirLock(dataDir), HubError);
    await first.close();
    await first.close();
    await assert.rejects(first.ping(), (error) => (error as HubError).code === "unavailable");

    const second = await openDatabase({ dataDir });
    try {
      assert.deepEqual(await runMigrations(second), { applied: 0 });
      const [row] = await second.db.select().from(apiKeys).where(eq(apiKeys.prefix, "hub_keep"));
      assert.deepEqual(row.scopes, ["admin"]);
    } finally {
      await second.close();
    }
    assert.ok((await Deno.stat(join(dataDir, "pgdata", "PG_VERSION"))).isFile);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("openDatabase() refuses a PGlite data dir already open in this process", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const lock = await acquireDataDirLock(dataDir);
    // The caller's own lock is used, not fought over, and stays held after close.
    const database = await openDatabase({ dataDir });
    try {
      await assert.rejects(
        openDatabase({ dataDir }),
        (error) =>
          error instanceof HubError && error.code === "conflict" &&
          error.message.includes("already open in this process"),
      );
    } finally {
      await database.close();
    }
    await assert.rejects(acquireDataDirLock(dataDir), HubError);
    await lock.release();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("PGlite fresh init vs template copy (measured, not asserted)", async () => {
  const time = async (open: () => Promise<Database>) => {
    const started = performance.now();
    const database = await open();
    const ms = performance.now() - started;
    await database.close();
    return ms;
  };
  const dataDir = await Deno.makeTempDir();
  try {
    const fileInit = await time(async () => {
      const database = await openDatabase({ dataDir });
      await runMigrations(database);
      return database;
    });
    const memoryInit = await time(async () => {
      const database = await openDatabase();
      await runMigrations(database);
      return database;
    });
    const templateStarted = performance.now();
    await pgliteTemplate();
    const templateBuild = performance.now() - templateStarted;
    const copies: number[] = [];
    for (let i = 0; i < 5; i++) copies.push(await time(freshPglite));
    const copy = copies.reduce((a, b) => a + b, 0) / copies.length;
    console.log(
      [
        `  fresh init + migrate, file-backed: ${fileInit.toFixed(0)} ms`,
        `  fresh init + migrate, in memory:   ${memoryInit.toFixed(0)} ms`,
        `  template build (once per process): ${templateBuild.toFixed(0)} ms`,
        `  template copy (mean of 5):         ${copy.toFixed(0)} ms ` +
        `(${(memoryInit / copy).toFixed(1)}x faster than in-memory init)`,
      ].join("\n"),
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("openDatabase() runs PGlite with 16 MB of shared buffers and its own durability", async () => {
  // PostgreSQL's 128 MB default is memory PGlite touches at start: most of its idle RSS.
  const database = await freshPglite();
  try {
    const settings = await pgliteClient(database).query<{ name: string; setting: string }>(
      "select name, current_setting(name) as setting from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'full_page_writes', 'wal_sync_method') order by name",
    );
    assert.deepEqual(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting])), {
      full_page_writes: "on",
      shared_buffers: "16MB",
      synchronous_commit: "on",
      wal_sync_method: "fdatasync",
    });
  } finally {
    await database.close();
  }
});
