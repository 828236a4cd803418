/**
 * The OpenAPI 3.1 document of the hub: every route, plus one path per
 * operation the caller may call (generated from the operations' schemas).
 *
 * @module
 */
import type { OperationRegistry, OperationSpec } from "@alkdev/operations";
import { VERSION } from "../../../version.ts";
import { MAX_TIMEOUT_MS } from "../routes/call.ts";
import { components, json, operation, param, type PathItem, type Schema } from "./_builders.ts";
import { gatewayPaths, protocolPaths } from "./gateway_paths.ts";
import { llmPaths } from "./llm_paths.ts";
import { restPaths } from "./rest_paths.ts";

function operationPath(spec: OperationSpec): PathItem {
  const scopes = spec.access.scopes.length > 0 ? spec.access.scopes.join(", ") : "any key";
  return {
    post: {
      ...operation({
        id: spec.name,
        summary: spec.description,
        scopes,
        tags: ["operations"],
        parameters: [
          param("timeout", "query", { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS }),
        ],
        body: spec.input as Schema,
        responses: {
          200: json({
            type: "object",
            required: ["requestId", "output"],
            properties: { requestId: { type: "string" }, output: spec.output },
          }, "The operation's output"),
        },
      }),
      description: `Kind: ${spec.kind}. Scopes: ${scopes}.`,
    },
  };
}

/**
 * The whole API as OpenAPI 3.1: `/health`, every `/api/v1` route, the `/v1`
 * gateway, `/mcp` and `/ws`, plus one path per operation the key may call.
 */
export function openApiDocument(
  registry: OperationRegistry,
  specs: readonly OperationSpec[],
): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "alk hub", version: VERSION },
    security: [{ bearer: [] }],
    paths: {
      ...restPaths(registry),
      ...llmPaths(),
      ...gatewayPaths(),
      ...protocolPaths(),
      ...Object.fromEntries(
        specs.map((spec) => [`/api/v1/operations/${spec.name}`, operationPath(spec)]),
      ),
    },
    components: components(),
  };
}
