/**
 * How the storage suite gets databases from one driver.
 *
 * @module
 */
import type { Database, Driver } from "../../src/storage/mod.ts";

/** How the suite gets databases from one driver. */
export interface Target {
  driver: Driver;
  /** A migrated, empty database. */
  fresh(): Promise<Database>;
  /** A database with no tables at all. */
  empty(): Promise<Database>;
  /** Closes (and, for PostgreSQL, drops) a database from this target. */
  dispose(database: Database): Promise<void>;
}

/** Runs `fn` on a fresh database from `target`, disposing of it afterwards. */
export async function withDatabase(
  target: Target,
  fn: (database: Database) => Promise<void>,
  empty = false,
): Promise<void> {
  const database = await (empty ? target.empty() : target.fresh());
  try {
    await fn(database);
  } finally {
    await target.dispose(database);
  }
}
