import { count } from "drizzle-orm";
import { join } from "node:path";
import { apiKeys, auditLogs, type HubDb } from "../storage/mod.ts";
import { generateApiKey } from "./api_key.ts";

/** Name of the key the hub creates on its first start. */
export const BOOTSTRAP_KEY_NAME = "bootstrap-admin";

/** Outcome of {@linkcode ensureBootstrapAdminKey}. */
export type BootstrapResult =
  | { created: true; path: string; prefix: string }
  | { created: false };

/**
 * On an empty api_keys table, creates an admin key and writes it to
 * `<dataDir>/admin.key` (mode 0600). The row and the file land together: if
 * the file cannot be written, the transaction rolls back.
 */
export async function ensureBootstrapAdminKey(
  db: HubDb,
  dataDir: string,
): Promise<BootstrapResult> {
  const path = join(dataDir, "admin.key");
  return await db.transaction(async (tx) => {
    const [{ keys }] = await tx.select({ keys: count() }).from(apiKeys);
    if (keys > 0) return { created: false } as const;
    const generated = await generateApiKey();
    const [row] = await tx.insert(apiKeys).values({
      name: BOOTSTRAP_KEY_NAME,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes: ["admin"],
    }).returning({ id: apiKeys.id });
    await tx.insert(auditLogs).values({
      action: "api_key.create",
      targetType: "api_key",
      targetId: row.id,
      details: {
        name: BOOTSTRAP_KEY_NAME,
        prefix: generated.prefix,
        scopes: ["admin"],
        via: "bootstrap",
      },
    });
    await writeSecretFile(path, generated.key + "\n");
    return { created: true, path, prefix: generated.prefix } as const;
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
