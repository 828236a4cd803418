/**
 * The OpenAPI paths of `/api/v1` (besides the generated per-operation ones)
 * and `/health`. Where a route runs an operation, its schemas are the
 * operation's own (from the registry); provider bodies come from the config
 * schema, so the document cannot drift from what is validated.
 *
 * @module
 */
import type { OperationRegistry } from "@alkdev/operations";
import { toJsonSchema } from "@alkdev/operations";
import { LLM_PROVIDER_SCHEMA } from "../../../config/mod.ts";
import { CallRecordSchema } from "../../../graph/mod.ts";
import { MAX_TIMEOUT_MS } from "../routes/call.ts";
import { json, operation, param, type PathItem, type Schema } from "./_builders.ts";

const object = (properties: Schema, required: string[] = []): Schema => ({
  type: "object",
  ...(required.length ? { required } : {}),
  properties,
});
const arrayOf = (items: Schema): Schema => ({ type: "array", items });
const STRING = { type: "string" };
const INTEGER = { type: "integer" };
const BOOLEAN_QUERY = { type: "string", enum: ["true", "false", "1", "0"] };

/** The input and output schemas of a registered operation; `{}` (anything) when absent. */
function schemasOf(registry: OperationRegistry, name: string): { input: Schema; output: Schema } {
  const spec = registry.get(name)?.spec;
  return {
    input: (spec?.input ?? {}) as Schema,
    output: (spec?.output ?? {}) as Schema,
  };
}

const HEALTH = object({
  status: { type: "string", enum: ["ok", "starting", "degraded", "stopping"] },
  step: STRING,
  version: STRING,
  uptimeMs: INTEGER,
  issues: arrayOf(STRING),
  database: object({ driver: STRING, ok: { type: "boolean" } }),
  redis: object({ ok: { type: "boolean" }, status: STRING }),
  actors: arrayOf({ type: "object" }),
}, ["status", "version", "uptimeMs", "actors"]);

const SPOKE = object({
  id: STRING,
  name: STRING,
  version: STRING,
  keyId: STRING,
  connectedAt: STRING,
  state: { type: "string", enum: ["registered", "draining"] },
  maxInFlight: INTEGER,
  inFlight: INTEGER,
  operations: arrayOf(STRING),
  remoteAddress: STRING,
});

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

function operationPaths(registry: OperationRegistry): Record<string, PathItem> {
  const calls = schemasOf(registry, "calls.get");
  return {
    "/api/v1/operations": {
      get: operation({
        id: "listOperations",
        summary: "The operations this key may call, with their input and output JSON Schemas",
        scopes: "any key",
        responses: {
          200: json(object({ operations: arrayOf({ type: "object" }) }, ["operations"]), "OK"),
        },
      }),
    },
    "/api/v1/operations/{name}": {
      post: operation({
        id: "callOperation",
        summary: "Calls any operation by name (the paths below describe each one)",
        scopes: "the operation's",
        parameters: [
          param("name", "path", STRING),
          param("timeout", "query", { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS }),
        ],
        body: {},
        responses: {
          200: json(
            object({ requestId: STRING, output: {} }, ["requestId", "output"]),
            "The operation's output; requestId finds the call at /api/v1/calls/{requestId}",
          ),
        },
      }),
    },
    "/api/v1/calls/{requestId}": {
      get: operation({
        id: "getCall",
        summary: "A call and its subtree from the call graph (calls.get)",
        scopes: "ops",
        parameters: [param("requestId", "path", STRING, "The request id of any answer")],
        responses: {
          200: json(
            {
              ...calls.output,
              properties: {
                ...(calls.output.properties as Schema | undefined),
                call: toJsonSchema(CallRecordSchema),
              },
            },
            "The call tree",
          ),
        },
      }),
    },
  };
}

function keyPaths(registry: OperationRegistry): Record<string, PathItem> {
  const list = schemasOf(registry, "keys.list");
  const create = schemasOf(registry, "keys.create");
  const revoke = schemasOf(registry, "keys.revoke");
  return {
    "/api/v1/keys": {
      get: operation({
        id: "listKeys",
        summary: "API keys, never a hash or secret (keys.list)",
        scopes: "admin",
        parameters: [param("includeRevoked", "query", BOOLEAN_QUERY)],
        responses: { 200: json(list.output, "The keys") },
      }),
      post: operation({
        id: "createKey",
        summary: "Creates an API key; the answer holds the only copy of the key (keys.create)",
        scopes: "admin",
        body: create.input,
        responses: { 201: json(create.output, "The key and its record") },
      }),
    },
    "/api/v1/keys/{id}": {
      delete: operation({
        id: "revokeKey",
        summary: "Revokes a key by id or prefix; idempotent (keys.revoke)",
        scopes: "admin",
        parameters: [param("id", "path", STRING, "Key id or prefix")],
        responses: { 200: json(revoke.output, "The record, and whether it changed") },
      }),
    },
  };
}

function llmPaths(): Record<string, PathItem> {
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

/** `/health` and every `/api/v1` route but the per-operation paths. */
export function restPaths(registry: OperationRegistry): Record<string, PathItem> {
  return {
    "/health": {
      get: operation({
        id: "getHealth",
        summary: "Health: 200 when ok, 503 while starting, degraded or stopping",
        scopes: "none",
        open: true,
        responses: { 200: json(HEALTH, "ok"), 503: json(HEALTH, "Not ok (see status)") },
      }),
    },
    ...operationPaths(registry),
    ...keyPaths(registry),
    "/api/v1/events": {
      get: operation({
        id: "streamEvents",
        summary: "Server-sent events of the topics asked for (type or type:id, at most 32)",
        scopes: "events (admin for call.* and auth.*)",
        parameters: [
          { ...param("topic", "query", arrayOf(STRING)), required: true, explode: true },
        ],
        responses: {
          200: {
            description: "An SSE stream: `ready` first, then `event: <type>` with the envelope",
            content: { "text/event-stream": { schema: STRING } },
          },
        },
      }),
    },
    "/api/v1/openapi.json": {
      get: operation({
        id: "getOpenApi",
        summary: "This document, with the operations this key may call",
        scopes: "any key",
        responses: { 200: json({ type: "object" }, "An OpenAPI 3.1 document") },
      }),
    },
    "/api/v1/spokes": {
      get: operation({
        id: "listSpokes",
        summary: "The connected spokes (a spoke key sees only its own)",
        scopes: "admin, or spoke",
        responses: { 200: json(object({ spokes: arrayOf(SPOKE) }, ["spokes"]), "OK") },
      }),
    },
    ...llmPaths(),
  };
}
