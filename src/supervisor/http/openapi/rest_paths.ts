/**
 * The OpenAPI paths of `/health` and the `/api/v1` routes over operations,
 * keys, events and spokes (besides the generated per-operation ones). Where a
 * route runs an operation, its schemas are the operation's own (from the
 * registry), so the document cannot drift from what is validated.
 *
 * @module
 */
import type { OperationRegistry } from "@alkdev/operations";
import { toJsonSchema } from "@alkdev/operations";
import { CallRecordSchema } from "../../../graph/mod.ts";
import { MAX_TIMEOUT_MS } from "../routes/call.ts";
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

/** `/health` and the `/api/v1` routes but the LLM ones and the per-operation paths. */
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
  };
}
