/**
 * Checking a presented key against storage. This is the uncached check; the
 * hub puts `createCachedVerifier` (verifier.ts) in front of it.
 *
 * @module
 */
import { eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import {
  type ApiKey,
  type ApiKeyLimits,
  apiKeys,
  databaseUnavailable,
  type HubDb,
} from "../storage/mod.ts";
import { apiKeyPrefix, hashApiKey, hashesEqual } from "./api_key.ts";

/** What a verified key lets the request do. */
export interface VerifiedApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly limits: Readonly<ApiKeyLimits>;
  readonly accountId?: string;
  readonly organizationId?: string;
  readonly expiresAt?: Date;
}

/** Verifies bearer keys; rejects with HubError `unauthorized`. */
export interface ApiKeyVerifier {
  verify(key: string): Promise<VerifiedApiKey>;
}

/** The message of every refusal that must not reveal whether a prefix exists. */
export const INVALID_KEY_MESSAGE = "Invalid API key";
/** The message for a revoked key. */
export const REVOKED_KEY_MESSAGE = "API key has been revoked";
/** The message for an expired key. */
export const EXPIRED_KEY_MESSAGE = "API key has expired";

// Prefixes carry 48 random bits, so more than one row per prefix is a freak
// collision; the bound keeps a crafted prefix from turning into a table scan.
const MAX_ROWS_PER_PREFIX = 8;

/**
 * Finds the row of `prefix` whose hash equals `hash` (compared in constant
 * time) and checks it is neither revoked nor expired.
 */
export async function lookupApiKey(
  db: HubDb,
  prefix: string,
  hash: string,
  now: Date,
): Promise<VerifiedApiKey> {
  let rows: ApiKey[];
  try {
    rows = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix))
      .limit(MAX_ROWS_PER_PREFIX);
  } catch (error) {
    throw databaseUnavailable(error, "verify API key") ?? error;
  }
  // Compare against every row, so the time taken does not depend on which one matches.
  let row: ApiKey | undefined;
  for (const candidate of rows) if (hashesEqual(hash, candidate.hash)) row = candidate;
  if (!row) throw new HubError("unauthorized", INVALID_KEY_MESSAGE);
  if (row.revokedAt) throw new HubError("unauthorized", REVOKED_KEY_MESSAGE);
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
    throw new HubError("unauthorized", EXPIRED_KEY_MESSAGE);
  }
  return toVerified(row);
}

/** The frozen verification result of a row: it may be shared by many requests through a cache. */
export function toVerified(row: ApiKey): VerifiedApiKey {
  return Object.freeze({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: Object.freeze([...row.scopes]),
    limits: Object.freeze({ ...row.limits }),
    ...(row.accountId ? { accountId: row.accountId } : {}),
    ...(row.organizationId ? { organizationId: row.organizationId } : {}),
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
  });
}

/** The prefix of `key`, or `unauthorized` for anything that is not a hub key. */
export function prefixOrRefuse(key: string): string {
  const prefix = apiKeyPrefix(key);
  if (!prefix) throw new HubError("unauthorized", INVALID_KEY_MESSAGE);
  return prefix;
}

/**
 * An uncached verifier: one query per call, so a revocation written by any
 * process is seen at once. Prefer `createCachedVerifier` on hot paths.
 */
export function createApiKeyVerifier(
  db: HubDb,
  now: () => Date = () => new Date(),
): ApiKeyVerifier {
  return {
    async verify(key) {
      const prefix = prefixOrRefuse(key);
      return await lookupApiKey(db, prefix, await hashApiKey(key), now());
    },
  };
}
