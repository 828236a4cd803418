import { freshPglite, freshPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";
import { storeSuite } from "./_store_suite.ts";

Deno.test("call graph persistence [pglite]", async (t) => {
  const database = await freshPglite();
  try {
    await storeSuite(t, database.db);
  } finally {
    await database.close();
  }
});

Deno.test({
  name: "call graph persistence [postgres]",
  ignore: !TEST_DATABASE_URL,
  fn: async (t) => {
    const database = await freshPostgres();
    try {
      await storeSuite(t, database.db);
    } finally {
      await database.drop();
    }
  },
});
