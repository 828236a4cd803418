import { asc, eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import type { Static } from "typebox";
import { Compile } from "typebox/compile";
import {
  DecryptError,
  decryptSecret,
  encryptSecret,
  formatProblems,
  type KeyRing,
  LLM_PROVIDER_SCHEMA,
  type LlmProviderConfig,
  schemaProblems,
} from "../../config/mod.ts";
import type { CatalogData, ProviderSpec } from "../../llm_catalog/mod.ts";
import { AUDIT_ACTIONS, type AuditActor, writeAudit } from "../../auth/mod.ts";
import { logger } from "../../logging/mod.ts";
import { type HubDb, isUniqueViolation, llmProviders } from "../../storage/mod.ts";

const log = logger("llm");

/** A provider as the admin API shows it: never its key. */
export interface ProviderView {
  name: string;
  baseURL: string;
  models: string[];
  weight: number;
  hasApiKey: boolean;
  /** `config` providers are read-only here; `api` ones are stored in the database. */
  source: "config" | "api";
  createdAt?: string;
  updatedAt?: string;
  /** Why the provider is out of the catalog: its stored key cannot be decrypted. */
  disabled?: string;
}

/** Input of a create or replace. */
export interface ProviderInput {
  name: string;
  baseURL: string;
  apiKey?: string;
  models: string[];
  weight?: number;
}

/**
 * The providers of the catalog: those of the config file (read-only) and
 * those added at runtime, whose upstream keys are stored encrypted under the
 * hub's key ring and decrypted only to build the catalog.
 */
export class ProviderStore {
  readonly #db: HubDb;
  readonly #keyRing: KeyRing;
  readonly #config: LlmProviderConfig[];
  readonly #aliases: Record<string, string>;
  /** As of the last catalogData(): provider name → why its key cannot be decrypted. */
  #disabled = new Map<string, string>();

  constructor(
    db: HubDb,
    keyRing: KeyRing,
    config: LlmProviderConfig[],
    aliases: Record<string, string>,
  ) {
    this.#db = db;
    this.#keyRing = keyRing;
    this.#config = config;
    this.#aliases = aliases;
  }

  /** Every provider, config first. */
  async list(): Promise<ProviderView[]> {
    const rows = await this.#db.select().from(llmProviders).orderBy(asc(llmProviders.name));
    return [
      ...this.#config.map((p): ProviderView => ({
        name: p.name,
        baseURL: p.baseURL,
        models: [...p.models],
        weight: p.weight ?? 1,
        hasApiKey: Boolean(p.apiKey),
        source: "config",
      })),
      ...rows.map((row): ProviderView => ({
        name: row.name,
        baseURL: row.baseUrl,
        models: row.models,
        weight: row.weight,
        hasApiKey: row.apiKeyEncrypted !== null,
        source: "api",
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        ...disabledReason(this.#disabled.get(row.name)),
      })),
    ];
  }

  /** One provider, or `not_found`. */
  async get(name: string): Promise<ProviderView> {
    const found = (await this.list()).find((p) => p.name === name);
    if (!found) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
    return found;
  }

  /** Adds a provider; `conflict` if the name is taken. Audited as `actor`. */
  async create(input: unknown, actor: AuditActor): Promise<ProviderView> {
    const valid = validateProvider(input);
    this.#refuseConfig(valid.name, "create");
    const apiKeyEncrypted = valid.apiKey ? await encryptSecret(valid.apiKey, this.#keyRing) : null;
    try {
      await this.#db.transaction(async (tx) => {
        const [row] = await tx.insert(llmProviders).values({
          name: valid.name,
          baseUrl: valid.baseURL,
          apiKeyEncrypted,
          models: valid.models,
          weight: valid.weight ?? 1,
        }).returning({ id: llmProviders.id });
        await writeAudit(tx, AUDIT_ACTIONS.providerCreated, actor, target(row.id), {
          ...auditDetails(valid),
          apiKey: valid.apiKey ? "set" : "none",
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new HubError(
          "conflict",
          `Cannot create LLM provider "${valid.name}": the name is taken`,
        );
      }
      throw error;
    }
    // Never the key: whether there is one is enough to follow a change.
    log.info("LLM provider {name} created: {models} models, {withKey}", {
      name: valid.name,
      models: valid.models.length,
      withKey: valid.apiKey ? "with an API key" : "without an API key",
    });
    return await this.get(valid.name);
  }

  /**
   * Replaces a stored provider; an absent `apiKey` keeps the stored one,
   * `null` removes it. A changed `baseURL` with a stored key needs `apiKey`
   * (or `null`): otherwise an admin key could send the stored key to any host.
   */
  async replace(name: string, input: unknown, actor: AuditActor): Promise<ProviderView> {
    this.#refuseConfig(name, "replace");
    const valid = validateProvider(isObject(input) ? { ...input, name } : input);
    const raw = (input as { apiKey?: unknown }).apiKey; // valid: an object
    const set: Partial<typeof llmProviders.$inferInsert> = {
      baseUrl: valid.baseURL,
      models: valid.models,
      weight: valid.weight ?? 1,
    };
    if (raw === null) set.apiKeyEncrypted = null;
    else if (valid.apiKey) set.apiKeyEncrypted = await encryptSecret(valid.apiKey, this.#keyRing);
    const key = raw === null ? "removed" : valid.apiKey ? "replaced" : "kept";
    await this.#db.transaction(async (tx) => {
      const [stored] = await tx.select({
        id: llmProviders.id,
        baseUrl: llmProviders.baseUrl,
        apiKeyEncrypted: llmProviders.apiKeyEncrypted,
      }).from(llmProviders).where(eq(llmProviders.name, name)).for("update");
      if (!stored) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
      if (key === "kept" && stored.apiKeyEncrypted !== null && stored.baseUrl !== valid.baseURL) {
        throw new HubError(
          "bad_request",
          `Cannot replace LLM provider "${name}": a changed baseURL requires apiKey ` +
            "(the stored key is never sent to a new host); give apiKey, or apiKey: null to remove it",
        );
      }
      await tx.update(llmProviders).set(set).where(eq(llmProviders.id, stored.id));
      await writeAudit(tx, AUDIT_ACTIONS.providerUpdated, actor, target(stored.id), {
        ...auditDetails(valid),
        apiKey: key,
      });
    });
    log.info("LLM provider {name} updated: {models} models, API key {key}", {
      name,
      models: valid.models.length,
      key,
    });
    return await this.get(name);
  }

  /** Deletes a stored provider. Audited as `actor`. */
  async remove(name: string, actor: AuditActor): Promise<void> {
    this.#refuseConfig(name, "delete");
    await this.#db.transaction(async (tx) => {
      const [deleted] = await tx.delete(llmProviders).where(eq(llmProviders.name, name))
        .returning({ id: llmProviders.id });
      if (!deleted) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
      await writeAudit(tx, AUDIT_ACTIONS.providerDeleted, actor, target(deleted.id), { name });
    });
    log.info("LLM provider {name} deleted", { name });
  }

  /**
   * The catalog's data: every provider with its key decrypted, and the
   * aliases. A stored key that cannot be decrypted (its key version was
   * removed from the master key file) disables that provider alone, logged
   * and listed by {@linkcode disabled}: one lost key must not stop the hub.
   */
  async catalogData(): Promise<CatalogData> {
    const rows = await this.#db.select().from(llmProviders).orderBy(asc(llmProviders.name));
    const disabled = new Map<string, string>();
    const stored = await Promise.all(rows.map(async (row): Promise<ProviderSpec | undefined> => {
      let apiKey: string | undefined;
      try {
        apiKey = row.apiKeyEncrypted
          ? await decryptSecret(row.apiKeyEncrypted, this.#keyRing)
          : undefined;
      } catch (error) {
        if (!(error instanceof DecryptError)) throw error;
        disabled.set(row.name, error.reason);
        return undefined;
      }
      return {
        name: row.name,
        baseURL: row.baseUrl,
        apiKey,
        models: row.models,
        weight: row.weight,
      };
    }));
    for (const [name, reason] of disabled) {
      if (this.#disabled.get(name) === reason) continue;
      log.error(
        "Cannot use LLM provider {name}: its API key {reason}; the provider is disabled until " +
          "its key is set again (PUT /api/v1/llm/providers/{name}) or that key version is back in the master key file",
        { name, reason },
      );
    }
    this.#disabled = disabled;
    const providers = stored.filter((p): p is ProviderSpec => p !== undefined);
    return { providers: [...this.#config, ...providers], aliases: this.#aliases };
  }

  /** Stored providers left out of the catalog because their key cannot be decrypted, with why. */
  disabled(): Array<{ name: string; reason: string }> {
    return [...this.#disabled].map(([name, reason]) => ({ name, reason }));
  }

  #refuseConfig(name: string, verb: string): void {
    if (this.#config.some((p) => p.name === name)) {
      throw new HubError(
        "conflict",
        `Cannot ${verb} LLM provider "${name}": it comes from the config file`,
      );
    }
  }
}

const providerSchema = Compile(LLM_PROVIDER_SCHEMA);

function disabledReason(reason: string | undefined): { disabled?: string } {
  return reason === undefined ? {} : { disabled: `its API key ${reason}` };
}

function target(id: string) {
  return { type: "llm_provider", id };
}

/** What an audit row says about a provider: never its key, nor credentials in its URL. */
function auditDetails(valid: ProviderInput): Record<string, unknown> {
  const url = new URL(valid.baseURL);
  url.username = "";
  url.password = "";
  url.search = "";
  return { name: valid.name, baseURL: url.href, models: valid.models.length };
}

/**
 * Checks a provider body against the config file's provider schema, so the
 * API and the file accept the same providers; `bad_request` listing every
 * problem (`details.errors`: `{ path, message }`). `apiKey: null` (remove the
 * stored key) is the one value the API accepts beyond the file's.
 */
export function validateProvider(input: unknown): ProviderInput {
  const body = withoutNullApiKey(input);
  const errors = schemaProblems(providerSchema, body, "the body");
  // A pattern cannot tell whether the URL parses (`http://[`).
  if (
    isObject(body) && typeof body.baseURL === "string" &&
    !errors.some((e) => e.path === "/baseURL") && !URL.canParse(body.baseURL)
  ) {
    errors.push({ path: "/baseURL", message: "must be an http(s) URL" });
  }
  if (errors.length > 0) {
    throw new HubError("bad_request", `Cannot accept LLM provider: ${formatProblems(errors)}`, {
      details: { errors },
    });
  }
  const valid = body as Static<typeof LLM_PROVIDER_SCHEMA>;
  return {
    name: valid.name,
    baseURL: valid.baseURL,
    apiKey: valid.apiKey,
    models: [...new Set(valid.models)],
    weight: valid.weight,
  };
}

function withoutNullApiKey(input: unknown): unknown {
  if (!isObject(input) || input.apiKey !== null) return input;
  const { apiKey: _, ...rest } = input;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
