/**
 * Fresh, migrated databases for tests, fast.
 *
 * PGlite's initdb takes seconds, so each test process builds one migrated
 * in-memory database, dumps its data dir once, and starts every
 * {@linkcode freshPglite} from that tarball instead. PostgreSQL tests get a
 * uniquely named database next to `HUB_TEST_DATABASE_URL`, dropped by `drop()`.
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type Database, openDatabase, runMigrations } from "../../src/storage/mod.ts";
import { TEST_DATABASE_URL } from "./services.ts";

let template: Promise<Blob> | undefined;

/** The migrated PGlite data dir every {@linkcode freshPglite} starts from (built once). */
export function pgliteTemplate(): Promise<Blob> {
  template ??= buildTemplate().catch((error) => {
    template = undefined; // let the next test retry instead of failing on a cached rejection
    throw error;
  });
  return template;
}

async function buildTemplate(): Promise<Blob> {
  const database = await openDatabase();
  try {
    await runMigrations(database);
    // Uncompressed: a few MB more in memory, and no gunzip on every copy.
    return await pgliteClient(database).dumpDataDir("none");
  } finally {
    await database.close();
  }
}

/** The PGlite client under a `pglite` database (for dumps and raw queries in tests). */
export function pgliteClient(database: Database): PGlite {
  if (database.driver !== "pglite") throw new TypeError("Not a PGlite database");
  return (database.db as unknown as { $client: PGlite }).$client;
}

/** A migrated in-memory PGlite database, copied from the per-process template. */
export async function freshPglite(): Promise<Database> {
  return await openDatabase({ loadDataDir: await pgliteTemplate() });
}

/** A database of its own on the test PostgreSQL server; `drop()` closes and removes it. */
export interface TestPostgres extends Database {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named database next to `HUB_TEST_DATABASE_URL`, migrated
 * unless `migrate: false`. Call `drop()` when done (also after failures).
 */
export async function freshPostgres(options: { migrate?: boolean } = {}): Promise<TestPostgres> {
  if (!TEST_DATABASE_URL) throw new TypeError("HUB_TEST_DATABASE_URL is not set");
  const name = `hub_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  await admin(`create database "${name}"`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  let database: Database | undefined;
  const drop = async () => {
    await database?.close();
    // FORCE: a test that failed half-way may have left a connection behind.
    await admin(`drop database if exists "${name}" with (force)`);
  };
  try {
    database = await openDatabase({ url: url.href, poolSize: 4 });
    if (options.migrate ?? true) await runMigrations(database);
  } catch (error) {
    await drop();
    throw error;
  }
  const opened = database;
  return {
    driver: opened.driver,
    db: opened.db,
    ping: () => opened.ping(),
    close: () => opened.close(),
    url: url.href,
    drop,
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
