import { eq } from "drizzle-orm";
import { HubError } from "@alkdev/operations";
import { apiKeys, type HubDb } from "../storage/mod.ts";
import { apiKeyPrefix, hashApiKey, hashesEqual } from "./api_key.ts";

/** What a verified key lets the request do. */
export interface VerifiedApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
}

/** Verifies bearer keys against the api_keys table. */
export interface ApiKeyVerifier {
  verify(key: string): Promise<VerifiedApiKey>;
}

const INVALID = "Invalid API key";

/** Looks a key up by its public prefix, then compares hashes in constant time. */
export function createApiKeyVerifier(
  db: HubDb,
  now: () => Date = () => new Date(),
): ApiKeyVerifier {
  return {
    async verify(key) {
      const prefix = apiKeyPrefix(key);
      if (!prefix) throw new HubError("unauthorized", INVALID);
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1);
      const hash = await hashApiKey(key);
      if (!row || !hashesEqual(hash, row.hash)) throw new HubError("unauthorized", INVALID);
      if (row.revokedAt) throw new HubError("unauthorized", "API key has been revoked");
      if (row.expiresAt && row.expiresAt <= now()) {
        throw new HubError("unauthorized", "API key has expired");
      }
      return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes as string[] };
    },
  };
}
