import { asc, eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import type { Static } from "typebox";
import { Compile } from "typebox/compile";
import {
  decryptSecret,
  encryptSecret,
  formatProblems,
  type KeyRing,
  LLM_PROVIDER_SCHEMA,
  type LlmProviderConfig,
  schemaProblems,
} from "../../config/mod.ts";
import type { CatalogData, ProviderSpec } from "../../llm_catalog/mod.ts";
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
      })),
    ];
  }

  /** One provider, or `not_found`. */
  async get(name: string): Promise<ProviderView> {
    const found = (await this.list()).find((p) => p.name === name);
    if (!found) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
    return found;
  }

  /** Adds a provider; `conflict` if the name is taken. */
  async create(input: unknown): Promise<ProviderView> {
    const valid = validateProvider(input);
    this.#refuseConfig(valid.name, "create");
    try {
      await this.#db.insert(llmProviders).values({
        name: valid.name,
        baseUrl: valid.baseURL,
        apiKeyEncrypted: valid.apiKey ? await encryptSecret(valid.apiKey, this.#keyRing) : null,
        models: valid.models,
        weight: valid.weight ?? 1,
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

  /** Replaces a stored provider; an absent `apiKey` keeps the stored one, `null` removes it. */
  async replace(name: string, input: unknown): Promise<ProviderView> {
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
    const updated = await this.#db.update(llmProviders).set(set)
      .where(eq(llmProviders.name, name)).returning({ id: llmProviders.id });
    if (updated.length === 0) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
    log.info("LLM provider {name} updated: {models} models, API key {key}", {
      name,
      models: valid.models.length,
      key: raw === null ? "removed" : valid.apiKey ? "replaced" : "kept",
    });
    return await this.get(name);
  }

  /** Deletes a stored provider. */
  async remove(name: string): Promise<void> {
    this.#refuseConfig(name, "delete");
    const deleted = await this.#db.delete(llmProviders).where(eq(llmProviders.name, name))
      .returning({ id: llmProviders.id });
    if (deleted.length === 0) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
    log.info("LLM provider {name} deleted", { name });
  }

  /** The catalog's data: every provider with its key decrypted, and the aliases. */
  async catalogData(): Promise<CatalogData> {
    const rows = await this.#db.select().from(llmProviders).orderBy(asc(llmProviders.name));
    const stored = await Promise.all(rows.map(async (row): Promise<ProviderSpec> => ({
      name: row.name,
      baseURL: row.baseUrl,
      apiKey: row.apiKeyEncrypted
        ? await decryptSecret(row.apiKeyEncrypted, this.#keyRing)
        : undefined,
      models: row.models,
      weight: row.weight,
    })));
    return { providers: [...this.#config, ...stored], aliases: this.#aliases };
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
