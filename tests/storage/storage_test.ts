import { type Database, openDatabase } from "../../src/storage/mod.ts";
import { freshPglite, freshPostgres, type TestPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";
import { storageSuite, type Target } from "./_suite.ts";

const pglite: Target = {
  driver: "pglite",
  fresh: freshPglite,
  empty: () => openDatabase(),
  dispose: (database: Database) => database.close(),
};

const postgres: Target = {
  driver: "postgres",
  fresh: () => freshPostgres(),
  empty: () => freshPostgres({ migrate: false }),
  dispose: (database: Database) => (database as TestPostgres).drop(),
};

Deno.test("storage behaves the same [pglite]", (t) => storageSuite(t, pglite));

Deno.test({
  name: "storage behaves the same [postgres]",
  ignore: !TEST_DATABASE_URL,
  fn: (t) => storageSuite(t, postgres),
});
