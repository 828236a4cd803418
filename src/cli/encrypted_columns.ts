/**
 * Every database column holding `enc:` values, and re-encrypting them under
 * the key ring's current version. A test checks that every `*_encrypted`
 * column of the schema is listed here, so a new one cannot be forgotten.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import { DecryptError, type KeyRing, reencryptSecret } from "../config/mod.ts";
import { type HubDb, llmProviders } from "../storage/mod.ts";

/** One encrypted column: how to read its values and replace one. */
export interface EncryptedColumn {
  /** `table.column`, as the schema names them. */
  readonly name: string;
  /** Rows with a value: id, a label for people (the provider's name), the value. */
  rows(db: HubDb): Promise<Array<{ id: string; label: string; value: string }>>;
  /** Replaces `from` by `to`; false when the row changed meanwhile (left for the next run). */
  replace(db: HubDb, id: string, values: { from: string; to: string }): Promise<boolean>;
}

/** The encrypted columns of the schema. */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [{
  name: "llm_providers.api_key_encrypted",
  async rows(db) {
    const rows = await db.select({
      id: llmProviders.id,
      label: llmProviders.name,
      value: llmProviders.apiKeyEncrypted,
    }).from(llmProviders).where(isNotNull(llmProviders.apiKeyEncrypted));
    return rows.map((row) => ({ ...row, value: row.value! }));
  },
  async replace(db, id, { from, to }) {
    const updated = await db.update(llmProviders).set({ apiKeyEncrypted: to })
      .where(and(eq(llmProviders.id, id), eq(llmProviders.apiKeyEncrypted, from)))
      .returning({ id: llmProviders.id });
    return updated.length === 1;
  },
}];

/** What re-encrypting the database did. */
export interface ColumnsReport {
  /** Values now under the current version that were not before. */
  reencrypted: number;
  /** Values that cannot be decrypted (already lost): left as they are. */
  unreadable: Array<{ column: string; label: string; reason: string }>;
  /** Values changed by someone else meanwhile: run the command again. */
  raced: number;
}

/** Re-encrypts every value of {@linkcode ENCRYPTED_COLUMNS} under the current version. */
export async function reencryptColumns(db: HubDb, keyRing: KeyRing): Promise<ColumnsReport> {
  const report: ColumnsReport = { reencrypted: 0, unreadable: [], raced: 0 };
  for (const column of ENCRYPTED_COLUMNS) {
    for (const row of await column.rows(db)) {
      let fresh: string | undefined;
      try {
        fresh = await reencryptSecret(row.value, keyRing);
      } catch (error) {
        if (!(error instanceof DecryptError)) throw error;
        report.unreadable.push({ column: column.name, label: row.label, reason: error.reason });
        continue;
      }
      if (fresh === undefined) continue;
      // Compare-and-set: a hub writing the row meanwhile wins; its value is counted as raced.
      if (await column.replace(db, row.id, { from: row.value, to: fresh })) report.reencrypted++;
      else report.raced++;
    }
  }
  return report;
}
