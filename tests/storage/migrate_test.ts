import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { MIGRATIONS_FOLDER, openDatabase, runMigrations } from "../../src/storage/mod.ts";
import { freshPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";

Deno.test("MIGRATIONS_FOLDER is next to the module, whatever the working directory", async () => {
  const expected = fileURLToPath(new URL("../../src/storage/migrations", import.meta.url));
  assert.equal(MIGRATIONS_FOLDER, expected);
  const journal = JSON.parse(await Deno.readTextFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`));
  assert.ok(journal.entries.length > 0);
  for (const entry of journal.entries) {
    assert.ok((await Deno.stat(`${MIGRATIONS_FOLDER}/${entry.tag}.sql`)).isFile, entry.tag);
  }
});

Deno.test({
  name: "runMigrations() from several hubs at once applies each migration once [postgres]",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const target = await freshPostgres({ migrate: false });
    const hubs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: target.url })));
    try {
      const results = await Promise.all(hubs.map((hub) => runMigrations(hub)));
      const journal = JSON.parse(
        await Deno.readTextFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`),
      );
      const total = results.reduce((sum, result) => sum + result.applied, 0);
      assert.equal(total, journal.entries.length);
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
      await target.drop();
    }
  },
});
