import assert from "node:assert/strict";
import { getTableColumns, getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { ENCRYPTED_COLUMNS } from "../../src/cli/encrypted_columns.ts";
import * as schema from "../../src/storage/schema/mod.ts";

Deno.test("encrypted columns: every *_encrypted column of the schema is re-encrypted by hub config rotate", () => {
  const inSchema = Object.values(schema).filter((table) => is(table, PgTable)).flatMap((table) =>
    Object.values(getTableColumns(table as PgTable))
      .filter((column) => column.name.endsWith("_encrypted"))
      .map((column) => `${getTableName(table as PgTable)}.${column.name}`)
  );
  assert.ok(inSchema.length > 0);
  assert.deepEqual(ENCRYPTED_COLUMNS.map((column) => column.name).sort(), inSchema.sort());
});
