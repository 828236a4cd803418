/**
 * Runs one auth test on a fresh PGlite copy and, where
 * `HUB_TEST_DATABASE_URL` is set, on a fresh PostgreSQL database.
 *
 * @module
 */
import type { Database } from "../../src/storage/mod.ts";
import { freshPglite, freshPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";

/** `fn` gets a migrated, empty database of its own. */
export type DbTestFn = (database: Database, t: Deno.TestContext) => Promise<void>;

/** Registers `name [pglite]` and `name [postgres]` (the latter ignored without a server). */
export function dbTest(name: string, fn: DbTestFn): void {
  Deno.test(`${name} [pglite]`, async (t) => {
    const database = await freshPglite();
    try {
      await fn(database, t);
    } finally {
      await database.close();
    }
  });
  Deno.test({
    name: `${name} [postgres]`,
    ignore: !TEST_DATABASE_URL,
    async fn(t) {
      const database = await freshPostgres();
      try {
        await fn(database, t);
      } finally {
        await database.drop();
      }
    },
  });
}
