import { Hono } from "hono";
import { type OperationRegistry, type OperationSpec } from "@alkdev/operations";
import { VERSION } from "../../../version.ts";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import {
  components,
  json,
  operation,
  param,
  type PathItem,
  type Schema,
} from "../openapi/_builders.ts";
import { gatewayPaths, protocolPaths } from "../openapi/gateway_paths.ts";
import { restPaths } from "../openapi/rest_paths.ts";
import { identityOf, MAX_TIMEOUT_MS } from "./call.ts";

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
export function openApiDocument(registry: OperationRegistry, specs: readonly OperationSpec[]) {
  return {
    openapi: "3.1.0",
    info: { title: "alk hub", version: VERSION },
    security: [{ bearer: [] }],
    paths: {
      ...restPaths(registry),
      ...gatewayPaths(),
      ...protocolPaths(),
      ...Object.fromEntries(
        specs.map((spec) => [`/api/v1/operations/${spec.name}`, operationPath(spec)]),
      ),
    },
    components: components(),
  };
}

/** `GET /api/v1/openapi.json`: the whole API, with the operations the key may call. */
export function openApiRoutes(registry: OperationRegistry): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get(
    "/openapi.json",
    (c) => c.json(openApiDocument(registry, registry.toJsonSchema(identityOf(c)))),
  );
  routes.all("/openapi.json", methodNotAllowed("GET"));
  return routes;
}
