/**
 * The OpenAPI paths of the LLM administration routes (`/api/v1/llm/*`) and
 * of `/api/v1/usage`. Provider bodies are the config file's
 * `LLM_PROVIDER_SCHEMA`, the one shape of a provider.
 *
 * @module
 */
import { toJsonSchema } from "@alkdev/operations";
import { LLM_PROVIDER_SCHEMA } from "../../../config/mod.ts";
import {
  arrayOf,
  INTEGER,
  json,
  object,
  operation,
  param,
  type PathItem,
  type Schema,
  STRING,
} from "./_builders.ts";

const USAGE_GROUP = object({
  keyId: STRING,
  model: STRING,
  requests: INTEGER,
  errors: INTEGER,
  inputTokens: INTEGER,
  outputTokens: INTEGER,
  avgLatencyMs: { type: "number" },
  avgTtfcMs: { type: ["number", "null"] },
});

function providerSchemas(): { input: Schema; view: Schema } {
  const input = toJsonSchema(LLM_PROVIDER_SCHEMA) as Schema;
  const { apiKey: _secret, ...shown } = input.properties as Record<string, Schema>;
  const view = object({
    ...shown,
    hasApiKey: { type: "boolean" },
    source: { type: "string", enum: ["config", "api"] },
  }, ["name", "baseURL", "models", "hasApiKey", "source"]);
  return { input, view };
}

/** `/api/v1/llm/providers`, `/api/v1/llm/models` and `/api/v1/usage`. */
export function llmPaths(): Record<string, PathItem> {
  const { input, view } = providerSchemas();
  const name = param("name", "path", STRING);
  return {
    "/api/v1/llm/providers": {
      get: operation({
        id: "listLlmProviders",
        summary: "LLM providers; never an API key, only hasApiKey",
        scopes: "admin",
        responses: { 200: json(object({ providers: arrayOf(view) }, ["providers"]), "OK") },
      }),
      post: operation({
        id: "createLlmProvider",
        summary: "Adds a provider; its API key is stored encrypted",
        scopes: "admin",
        body: input,
        responses: { 201: json(view, "The provider") },
      }),
    },
    "/api/v1/llm/providers/{name}": {
      get: operation({
        id: "getLlmProvider",
        summary: "One provider",
        scopes: "admin",
        parameters: [name],
        responses: { 200: json(view, "The provider") },
      }),
      put: operation({
        id: "replaceLlmProvider",
        summary: "Replaces a stored provider (apiKey absent keeps it, null removes it)",
        scopes: "admin",
        parameters: [name],
        body: input,
        responses: { 200: json(view, "The provider") },
      }),
      delete: operation({
        id: "deleteLlmProvider",
        summary: "Deletes a stored provider",
        scopes: "admin",
        parameters: [name],
        responses: { 204: { description: "Deleted" } },
      }),
    },
    "/api/v1/llm/models": {
      get: operation({
        id: "listLlmCatalog",
        summary: "Every model name of the catalog, and the aliases",
        scopes: "admin",
        responses: {
          200: json(
            object({ models: arrayOf({ type: "object" }), aliases: { type: "object" } }),
            "OK",
          ),
        },
      }),
    },
    "/api/v1/usage": {
      get: operation({
        id: "getUsage",
        summary: "LLM usage by key and model over [from, to) (the last 24 hours by default)",
        scopes: "llm (own key) or admin (any key)",
        parameters: [
          param("from", "query", { type: "string", format: "date-time" }),
          param("to", "query", { type: "string", format: "date-time" }),
          param("keyId", "query", STRING),
          param("model", "query", STRING),
        ],
        responses: {
          200: json(
            object({ from: STRING, to: STRING, usage: arrayOf(USAGE_GROUP) }, [
              "from",
              "to",
              "usage",
            ]),
            "OK",
          ),
        },
      }),
    },
  };
}
