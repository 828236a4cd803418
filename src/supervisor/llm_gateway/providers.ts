import { asc, eq } from "drizzle-orm";
import { HubError } from "@hub/errors";
import {
  decryptSecret,
  encryptSecret,
  type KeyRing,
  type LlmProviderConfig,
} from "../../config/mod.ts";
import type { CatalogData, ProviderSpec } from "../../llm_catalog/mod.ts";
import { type HubDb, isUniqueViolation, llmProviders } from "../../storage/mod.ts";

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

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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
    return await this.get(valid.name);
  }

  /** Replaces a stored provider; an absent `apiKey` keeps the stored one, `null` removes it. */
  async replace(name: string, input: unknown): Promise<ProviderView> {
    this.#refuseConfig(name, "replace");
    const valid = validateProvider({ ...(input as object), name });
    const raw = (input as { apiKey?: unknown }).apiKey;
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
    return await this.get(name);
  }

  /** Deletes a stored provider. */
  async remove(name: string): Promise<void> {
    this.#refuseConfig(name, "delete");
    const deleted = await this.#db.delete(llmProviders).where(eq(llmProviders.name, name))
      .returning({ id: llmProviders.id });
    if (deleted.length === 0) throw new HubError("not_found", `Cannot find LLM provider "${name}"`);
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

/** Checks a provider body; `bad_request` naming the first bad field. */
export function validateProvider(input: unknown): ProviderInput {
  const bad = (message: string): never => {
    throw new HubError("bad_request", `Cannot accept LLM provider: ${message}`);
  };
  if (typeof input !== "object" || input === null) bad("body must be a JSON object");
  const body = input as Record<string, unknown>;
  const known = new Set(["name", "baseURL", "apiKey", "models", "weight"]);
  for (const key of Object.keys(body)) if (!known.has(key)) bad(`unknown field "${key}"`);
  if (typeof body.name !== "string" || !NAME.test(body.name)) {
    bad("name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
  }
  if (typeof body.baseURL !== "string" || !/^https?:\/\/\S+$/.test(body.baseURL)) {
    bad("baseURL must be an http(s) URL");
  }
  try {
    new URL(body.baseURL as string);
  } catch {
    bad("baseURL must be an http(s) URL");
  }
  if (
    body.apiKey !== undefined && body.apiKey !== null &&
    (typeof body.apiKey !== "string" || body.apiKey === "")
  ) {
    bad("apiKey must be a non-empty string");
  }
  const models = body.models;
  if (
    !Array.isArray(models) || models.length === 0 || models.length > 1000 ||
    !models.every((m) => typeof m === "string" && m !== "" && m.length <= 256)
  ) {
    bad("models must be a non-empty array of model names");
  }
  if (
    body.weight !== undefined &&
    (typeof body.weight !== "number" || !(body.weight > 0) || body.weight > 1_000_000)
  ) {
    bad("weight must be a number above 0");
  }
  return {
    name: body.name as string,
    baseURL: body.baseURL as string,
    apiKey: typeof body.apiKey === "string" ? body.apiKey : undefined,
    models: [...new Set(models as string[])],
    weight: body.weight as number | undefined,
  };
}
