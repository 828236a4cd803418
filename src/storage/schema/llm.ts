/**
 * LLM gateway tables: upstream providers added at runtime (their API key
 * encrypted under the master key ring) and one usage record per request.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, timestamptz, updatedAtColumn } from "./common.ts";

/** An OpenAI-compatible upstream added through the admin API (config-file providers are not stored). */
export const llmProviders = pgTable("llm_providers", {
  id: idColumn(),
  name: text("name").notNull().unique(),
  baseUrl: text("base_url").notNull(),
  /** `enc:v1:…` under the hub's key ring; never returned by the API. */
  apiKeyEncrypted: text("api_key_encrypted"),
  models: jsonb("models").$type<string[]>().notNull().default([]),
  weight: doublePrecision("weight").notNull().default(1),
  createdAt: createdAtColumn(),
  updatedAt: updatedAtColumn(),
}, (t) => [check("llm_providers_weight_check", sql`${t.weight} > 0`)]);

/**
 * One row per gateway request. `key_id` is a plain id, not a foreign key: the
 * record must outlive the key it names.
 */
export const llmUsage = pgTable("llm_usage", {
  id: idColumn(),
  /** The hub's own id of the request (never a client's): unique, what billing refers to. */
  requestId: text("request_id").notNull(),
  /** The `x-request-id` the client sent, if any: its own correlation id, not trusted to be unique. */
  clientRequestId: text("client_request_id"),
  keyId: text("key_id").notNull(),
  /** `chat` or `embeddings`. */
  endpoint: text("endpoint").notNull(),
  /** What the client asked for (a model, `provider/model` or an alias). */
  requestedModel: text("requested_model").notNull(),
  /** The provider and upstream model that answered (or last failed); null if none was tried. */
  provider: text("provider"),
  model: text("model"),
  stream: boolean("stream").notNull().default(false),
  inputTokens: integer("input_tokens").notNull().default(0),
  outputTokens: integer("output_tokens").notNull().default(0),
  /** True when the upstream never reported usage (interrupted stream) and it was counted from what was seen. */
  usageEstimated: boolean("usage_estimated").notNull().default(false),
  /** HTTP status the client got (200 even for a stream that failed midway). */
  status: integer("status").notNull(),
  /** Null on success; an OpenAI-style code otherwise (`rate_limit_exceeded`, `client_closed`, ...). */
  errorCode: text("error_code"),
  latencyMs: doublePrecision("latency_ms").notNull(),
  /** Time to the first chunk sent to the client (streams), or to the response. */
  ttfcMs: doublePrecision("ttfc_ms"),
  attempts: integer("attempts").notNull().default(0),
  startedAt: timestamptz("started_at").notNull(),
  createdAt: createdAtColumn(),
}, (t) => [
  index("llm_usage_started_at_idx").on(t.startedAt),
  index("llm_usage_key_started_at_idx").on(t.keyId, t.startedAt),
]);

/** A row of {@linkcode llmProviders}. */
export type LlmProviderRow = typeof llmProviders.$inferSelect;
/** Insert shape of {@linkcode llmProviders}. */
export type NewLlmProviderRow = typeof llmProviders.$inferInsert;
/** A row of {@linkcode llmUsage}. */
export type LlmUsageRow = typeof llmUsage.$inferSelect;
/** Insert shape of {@linkcode llmUsage}. */
export type NewLlmUsageRow = typeof llmUsage.$inferInsert;
