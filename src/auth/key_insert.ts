/**
 * The one place an API key row is written: validated input, a fresh key,
 * the row and its audit record, inside the caller's transaction.
 *
 * @module
 */
import { eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import { accounts, apiKeys, isForeignKeyViolation, organizations } from "../storage/mod.ts";
import { generateApiKey } from "./api_key.ts";
import { AUDIT_ACTIONS, type AuditActor, type HubTx, writeAudit } from "./audit.ts";
import { type CreateApiKeyInput, validateKeyInput } from "./key_input.ts";
import { type ApiKeyRecord, PUBLIC_COLUMNS, toRecord } from "./key_record.ts";

/**
 * Validates `input`, generates a key and inserts its row and audit record in
 * `tx`. Returns the key (to show once) and the public record. If the audit
 * insert fails the caller's transaction rolls the key back with it.
 */
export async function insertApiKey(
  tx: HubTx,
  input: CreateApiKeyInput,
  actor: AuditActor,
  now: Date,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const valid = validateKeyInput(input, now);
  const fail = (reason: string) =>
    new HubError("bad_request", `Cannot create API key "${valid.name}": ${reason}`);
  // Checked here for a clear message; the foreign keys still guard a concurrent delete.
  if (valid.accountId) {
    const [found] = await tx.select({ id: accounts.id }).from(accounts)
      .where(eq(accounts.id, valid.accountId));
    if (!found) throw fail(`no such account "${valid.accountId}"`);
  }
  if (valid.organizationId) {
    const [found] = await tx.select({ id: organizations.id }).from(organizations)
      .where(eq(organizations.id, valid.organizationId));
    if (!found) throw fail(`no such organization "${valid.organizationId}"`);
  }
  const generated = await generateApiKey();
  let row;
  try {
    [row] = await tx.insert(apiKeys).values({
      name: valid.name,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes: valid.scopes,
      accountId: valid.accountId,
      organizationId: valid.organizationId,
      limits: valid.limits,
      metadata: valid.metadata,
      expiresAt: valid.expiresAt,
    }).returning(PUBLIC_COLUMNS);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw fail("its account or organization no longer exists");
    throw error;
  }
  await writeAudit(tx, AUDIT_ACTIONS.keyCreated, actor, { type: "api_key", id: row.id }, {
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    limits: row.limits,
  });
  return { key: generated.key, record: toRecord(row, now) };
}
