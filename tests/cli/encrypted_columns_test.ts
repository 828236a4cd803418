import assert from "node:assert/strict";
import { getTableColumns, getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { ENCRYPTED_COLUMNS, reencryptColumns } from "../../src/cli/encrypted_columns.ts";
import { decryptSecret, encryptedVersion, encryptSecret, KeyRing } from "../../src/config/mod.ts";
import { llmProviders } from "../../src/storage/mod.ts";
import * as schema from "../../src/storage/schema/mod.ts";
import { freshPglite } from "../helpers/db.ts";

Deno.test("encrypted columns: every *_encrypted column of the schema is re-encrypted by hub config rotate", () => {
  const inSchema = Object.values(schema).filter((table) => is(table, PgTable)).flatMap((table) =>
    Object.values(getTableColumns(table as PgTable))
      .filter((column) => column.name.endsWith("_encrypted"))
      .map((column) => `${getTableName(table as PgTable)}.${column.name}`)
  );
  assert.ok(inSchema.length > 0);
  assert.deepEqual(ENCRYPTED_COLUMNS.map((column) => column.name).sort(), inSchema.sort());
});

Deno.test("encrypted columns: reencryptColumns() moves old values to the current version and names the unreadable ones", async () => {
  const database = await freshPglite();
  try {
    const v1 = new KeyRing([[1, "first-master-secret-0123456789"]]);
    const lostRing = new KeyRing([[9, "some-other-secret-0123456789"]]);
    const ring = new KeyRing([[1, "first-master-secret-0123456789"], [
      2,
      "second-master-secret-abcdefghij",
    ]]);
    const row = (name: string, value: string) => ({
      name,
      baseUrl: "http://127.0.0.1:9/v1",
      apiKeyEncrypted: value,
      models: ["m"],
    });
    await database.db.insert(llmProviders).values([
      row("old", await encryptSecret("sk-old", v1)),
      row("current", await encryptSecret("sk-current", ring)),
      row("lost", await encryptSecret("sk-lost", lostRing)),
    ]);
    const report = await reencryptColumns(database.db, ring);
    assert.equal(report.reencrypted, 1);
    assert.equal(report.raced, 0);
    assert.deepEqual(report.unreadable.map((u) => [u.column, u.label]), [[
      "llm_providers.api_key_encrypted",
      "lost",
    ]]);
    assert.match(report.unreadable[0].reason, /key version 9/);
    const rows = await database.db.select().from(llmProviders).orderBy(llmProviders.name);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r.apiKeyEncrypted!]));
    assert.equal(encryptedVersion(byName.old), 2);
    assert.equal(await decryptSecret(byName.old, ring), "sk-old");
    assert.equal(encryptedVersion(byName.lost), 9, "left as it is");
    assert.equal((await reencryptColumns(database.db, ring)).reencrypted, 0);
  } finally {
    await database.close();
  }
});
