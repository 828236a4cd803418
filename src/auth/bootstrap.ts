/**
 * The admin key a hub creates on its first start, so an operator can call
 * the API at all. It is an ordinary key of the standard format, created and
 * audited through the same path as every other key.
 *
 * @module
 */
import { count, sql } from "drizzle-orm";
import { join } from "node:path";
import { apiKeys, type HubDb } from "../storage/mod.ts";
import { insertApiKey } from "./key_insert.ts";

/** Name of the key the hub creates on its first start. */
export const BOOTSTRAP_KEY_NAME = "bootstrap-admin";

/** Outcome of {@linkcode ensureBootstrapAdminKey}. */
export type BootstrapResult =
  | { created: true; path: string; prefix: string; id: string }
  | { created: false };

/**
 * When no `admin` key has ever existed, creates one and writes it to
 * `<dataDir>/admin.key` (mode 0600). Revoked admin keys count: an operator
 * who revoked the bootstrap key must not find a new one after a restart. Keys
 * with other scopes (say, made with `hub keys create` before the first start)
 * do not. The row, its audit record and the file land together: if the file
 * cannot be written, the transaction rolls back.
 */
export async function ensureBootstrapAdminKey(
  db: HubDb,
  dataDir: string,
  now: () => Date = () => new Date(),
): Promise<BootstrapResult> {
  const path = join(dataDir, "admin.key");
  return await db.transaction(async (tx) => {
    // Hubs sharing one PostgreSQL may start together: only one may see the table empty.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('alk-hub:bootstrap-admin-key'))`);
    const [{ keys }] = await tx.select({ keys: count() }).from(apiKeys)
      .where(sql`${apiKeys.scopes} @> '["admin"]'::jsonb`);
    if (keys > 0) return { created: false } as const;
    const { key, record } = await insertApiKey(
      tx,
      { name: BOOTSTRAP_KEY_NAME, scopes: ["admin"] },
      { via: "bootstrap" },
      now(),
    );
    await writeSecretFile(path, key + "\n");
    return { created: true, path, prefix: record.prefix, id: record.id } as const;
  });
}

/** Writes a file readable only by its owner, atomically (temp file + rename). */
async function writeSecretFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, content, { mode: 0o600, createNew: true });
    await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
