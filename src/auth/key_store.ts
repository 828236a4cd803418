/**
 * The API key lifecycle over the database: create (the key is returned once),
 * list, get, revoke, each change audited in its own transaction.
 *
 * @module
 */
import { and, asc, eq, isNull, type SQL } from "drizzle-orm";
import { HubError } from "@hub/errors";
import { logger } from "../logging/mod.ts";
import { apiKeys, type HubDb } from "../storage/mod.ts";
import { hashApiKey } from "./api_key.ts";
import { AUDIT_ACTIONS, type AuditActor, type AuditTarget, writeAudit } from "./audit.ts";
import { type CreateApiKeyInput } from "./key_input.ts";
import { insertApiKey } from "./key_insert.ts";
import { type ApiKeyRecord, PUBLIC_COLUMNS, type PublicApiKeyRow, toRecord } from "./key_record.ts";
import { lookupApiKey, prefixOrRefuse, type VerifiedApiKey } from "./verify.ts";

/** A key just created: `key` is shown to its owner once and never again. */
export interface CreatedApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Filters of {@linkcode ApiKeyService.list}. */
export interface ListApiKeysOptions {
  /** Include revoked keys (default false); expired keys are always listed. */
  includeRevoked?: boolean;
  accountId?: string;
  organizationId?: string;
}

/** Outcome of a revocation; `changed` is false when the key was already revoked. */
export interface RevokeResult {
  readonly record: ApiKeyRecord;
  readonly changed: boolean;
}

/** Options of {@linkcode ApiKeyService}. */
export interface ApiKeyServiceOptions {
  now?: () => Date;
}

const PREFIX_ONLY = /^alk_[0-9a-f]{12}$/;

/** Creates, lists, revokes and verifies API keys; one per hub, shared by every entry point. */
export class ApiKeyService {
  readonly #db: HubDb;
  readonly #now: () => Date;
  readonly #revocationListeners = new Set<(keyId: string) => void>();

  constructor(db: HubDb, options: ApiKeyServiceOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /** Creates a key and its audit row in one transaction. */
  async create(input: CreateApiKeyInput, actor: AuditActor): Promise<CreatedApiKey> {
    const created = await this.#db.transaction((tx) => insertApiKey(tx, input, actor, this.#now()));
    const { record } = created;
    logger("auth").info("Created API key {prefix} ({keyId}) with scopes {scopes} via {via}", {
      prefix: record.prefix,
      keyId: record.id,
      scopes: record.scopes,
      via: actor.via,
    });
    return created;
  }

  /** Public records (never the hash), oldest first. */
  async list(options: ListApiKeysOptions = {}): Promise<ApiKeyRecord[]> {
    const filters: SQL[] = [];
    if (!options.includeRevoked) filters.push(isNull(apiKeys.revokedAt));
    if (options.accountId) filters.push(eq(apiKeys.accountId, options.accountId));
    if (options.organizationId) filters.push(eq(apiKeys.organizationId, options.organizationId));
    const rows = await this.#db.select(PUBLIC_COLUMNS).from(apiKeys).where(and(...filters))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    const now = this.#now();
    return rows.map((row) => toRecord(row, now));
  }

  /** One key by id or by prefix (`alk_<12 hex>`); `not_found` if there is none. */
  async get(idOrPrefix: string): Promise<ApiKeyRecord> {
    return toRecord(await this.#find(this.#db, idOrPrefix, "find"), this.#now());
  }

  /**
   * Revokes a key at once. Revoking a revoked key changes nothing and
   * writes no audit row (`changed: false`), so retries are safe.
   */
  async revoke(idOrPrefix: string, actor: AuditActor): Promise<RevokeResult> {
    const result = await this.#db.transaction(async (tx) => {
      const found = await this.#find(tx, idOrPrefix, "revoke");
      const [row] = await tx.update(apiKeys).set({ revokedAt: this.#now() })
        .where(and(eq(apiKeys.id, found.id), isNull(apiKeys.revokedAt)))
        .returning(PUBLIC_COLUMNS);
      // No row: a concurrent revocation got there first; it wrote the audit row.
      if (!row) return { row: found, changed: false };
      await writeAudit(tx, AUDIT_ACTIONS.keyRevoked, actor, { type: "api_key", id: row.id }, {
        name: row.name,
        prefix: row.prefix,
      });
      return { row, changed: true };
    });
    const record = toRecord(result.row, this.#now());
    if (result.changed) {
      logger("auth").info("Revoked API key {prefix} ({keyId}) via {via}", {
        prefix: record.prefix,
        keyId: record.id,
        via: actor.via,
      });
    }
    // Listeners run even when nothing changed: a hub that missed the first event catches up.
    this.#notifyRevoked(record.id);
    return { record, changed: result.changed };
  }

  /** Records an admin action that is not a key change (e.g. an operation called with `admin`). */
  async audit(
    action: string,
    actor: AuditActor,
    target: AuditTarget,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await writeAudit(this.#db, action, actor, target, details);
  }

  /** Uncached verification of a presented key. */
  async verify(key: string): Promise<VerifiedApiKey> {
    const prefix = prefixOrRefuse(key);
    return await this.verifyHash(prefix, await hashApiKey(key));
  }

  /** Uncached verification by prefix and hash (the cached verifier has both already). */
  verifyHash(prefix: string, hash: string): Promise<VerifiedApiKey> {
    return lookupApiKey(this.#db, prefix, hash, this.#now());
  }

  /** Calls `listener(keyId)` after every revocation by this service; returns an unsubscribe. */
  onRevoked(listener: (keyId: string) => void): () => void {
    this.#revocationListeners.add(listener);
    return () => this.#revocationListeners.delete(listener);
  }

  #notifyRevoked(keyId: string): void {
    for (const listener of this.#revocationListeners) {
      try {
        listener(keyId);
      } catch (error) {
        logger("auth").error("A revocation listener failed for {keyId}: {error}", { keyId, error });
      }
    }
  }

  async #find(
    db: Pick<HubDb, "select">,
    idOrPrefix: string,
    verb: string,
  ): Promise<PublicApiKeyRow> {
    const column = PREFIX_ONLY.test(idOrPrefix) ? apiKeys.prefix : apiKeys.id;
    const rows = await db.select(PUBLIC_COLUMNS).from(apiKeys).where(eq(column, idOrPrefix))
      .limit(2);
    if (rows.length === 0) {
      throw new HubError("not_found", `Cannot ${verb} API key "${idOrPrefix}": no such key`);
    }
    if (rows.length > 1) {
      throw new HubError(
        "conflict",
        `Cannot ${verb} API key "${idOrPrefix}": several keys share this prefix; use the id`,
      );
    }
    return rows[0];
  }
}
