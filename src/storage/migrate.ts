/**
 * Applies the SQL migrations in `src/storage/migrations/` with each driver's
 * drizzle migrator. The folder is found from this module's URL, never from
 * the working directory, so a `deno compile`d hub finds it when built with
 * `--include src/storage/migrations`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import type { MigrationConfig } from "drizzle-orm/migrator";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type pg from "pg";
import { HubError } from "@hub/errors";
import { type Logger, logger } from "../logging/mod.ts";
import type { Database, HubDb, HubSchema } from "./database.ts";
import { describeCause } from "./describe_url.ts";

/** Absolute path of the migrations folder shipped with this module. */
export const MIGRATIONS_FOLDER: string = fileURLToPath(new URL("./migrations", import.meta.url));

const MIGRATIONS_SCHEMA = "drizzle";
const MIGRATIONS_TABLE = "__drizzle_migrations";
const CONFIG: MigrationConfig = {
  migrationsFolder: MIGRATIONS_FOLDER,
  migrationsSchema: MIGRATIONS_SCHEMA,
  migrationsTable: MIGRATIONS_TABLE,
};

// Any constant works; it only has to be the same in every hub sharing a database.
const MIGRATION_LOCK_KEY = 0x616c6b; // "alk"

/** Brings the schema up to date; returns how many migrations it applied (0 when current). */
export async function runMigrations(
  database: Database,
  options: { log?: Logger } = {},
): Promise<{ applied: number }> {
  const log = options.log ?? logger("storage");
  try {
    const applied = database.driver === "postgres"
      ? await migratePostgres(database.db)
      : await countApplied(database.db, () =>
        // The cast is safe: a `pglite` Database is built from drizzle-orm/pglite.
        migratePglite(database.db as unknown as PgliteDatabase<HubSchema>, CONFIG));
    if (applied > 0) log.info("Applied {applied} migration(s)", { applied });
    return { applied };
  } catch (error) {
    throw new HubError(
      "internal",
      `Cannot migrate ${database.driver} database: ${describeCause(error)}`,
      { cause: error },
    );
  }
}

/**
 * Several hubs may start against one PostgreSQL at once; drizzle's migrator
 * takes no lock of its own, so a session-level advisory lock serialises them.
 */
async function migratePostgres(db: HubDb): Promise<number> {
  const nodePgDb = db as unknown as NodePgDatabase<HubSchema> & { $client: pg.Pool };
  const client = await nodePgDb.$client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await countApplied(db, () => migrateNodePg(nodePgDb, CONFIG));
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function countApplied(db: HubDb, migrate: () => Promise<void>): Promise<number> {
  const before = await appliedCount(db);
  await migrate();
  return (await appliedCount(db)) - before;
}

async function appliedCount(db: HubDb): Promise<number> {
  const found = await db.execute<{ name: string | null }>(
    sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`})::text as name`,
  );
  if (!found.rows[0]?.name) return 0;
  const table = sql`${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)}`;
  const counted = await db.execute<{ n: number }>(sql`select count(*)::int as n from ${table}`);
  return counted.rows[0].n;
}
