/**
 * The public shape of an API key: everything about it except its hash, which
 * never leaves the storage layer through listings.
 *
 * @module
 */
import { type ApiKey, type ApiKeyLimits, apiKeys } from "../storage/mod.ts";

/** Where a key is in its lifecycle, at the time it was read. */
export type ApiKeyStatus = "active" | "expired" | "revoked";

/** An API key as listings show it: no hash, no secret. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** `alk_<12 hex>`: the public part of the key, safe to show and log. */
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly accountId: string | null;
  readonly organizationId: string | null;
  readonly limits: ApiKeyLimits;
  readonly metadata: Record<string, unknown>;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  /** Written in batches, so up to one flush interval behind. */
  readonly lastUsedAt: Date | null;
  readonly createdAt: Date;
  readonly status: ApiKeyStatus;
}

/** The columns a listing selects: every column but `hash`. */
export const PUBLIC_COLUMNS = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  accountId: apiKeys.accountId,
  organizationId: apiKeys.organizationId,
  limits: apiKeys.limits,
  metadata: apiKeys.metadata,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
  createdAt: apiKeys.createdAt,
};

/** A row without its hash. */
export type PublicApiKeyRow = Omit<ApiKey, "hash">;

/** Builds the public record of a row (a full row's hash is dropped). */
export function toRecord(row: PublicApiKeyRow | ApiKey, now: Date): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    accountId: row.accountId,
    organizationId: row.organizationId,
    limits: row.limits,
    metadata: row.metadata,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
    status: statusOf(row, now),
  };
}

/** `revoked` wins over `expired`: revocation is the deliberate act. */
export function statusOf(
  row: Pick<ApiKey, "revokedAt" | "expiresAt">,
  now: Date,
): ApiKeyStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** A JSON form of a record (ISO dates), for the CLI and HTTP responses. */
export function recordToJson(record: ApiKeyRecord): Record<string, unknown> {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    ...record,
    expiresAt: iso(record.expiresAt),
    revokedAt: iso(record.revokedAt),
    lastUsedAt: iso(record.lastUsedAt),
    createdAt: record.createdAt.toISOString(),
  };
}
