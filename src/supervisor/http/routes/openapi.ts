import { Hono } from "hono";
import { type OperationRegistry, type OperationSpec } from "@alkdev/operations";
import { ERROR_CODES } from "@hub/errors";
import { VERSION } from "../../../version.ts";
import type { HubEnv } from "../app.ts";
import { identityOf, MAX_TIMEOUT_MS } from "./call.ts";

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: [...ERROR_CODES] },
        message: { type: "string" },
        requestId: { type: "string" },
        details: { type: "object" },
      },
    },
  },
};

function operationPath(spec: OperationSpec) {
  const scopes = spec.access.scopes.length > 0 ? spec.access.scopes.join(", ") : "any key";
  return {
    post: {
      operationId: spec.name,
      summary: spec.description,
      description: `Kind: ${spec.kind}. Scopes: ${scopes}.`,
      parameters: [{
        name: "timeout",
        in: "query",
        required: false,
        schema: { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS },
      }],
      requestBody: { required: true, content: { "application/json": { schema: spec.input } } },
      responses: {
        200: {
          description: "The operation's output",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["requestId", "output"],
                properties: { requestId: { type: "string" }, output: spec.output },
              },
            },
          },
        },
        default: { $ref: "#/components/responses/Error" },
      },
    },
  };
}

/** `GET /api/v1/openapi.json`: generated from the schemas of the operations the key may call. */
export function openApiRoutes(registry: OperationRegistry): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/openapi.json", (c) => {
    const specs = registry.toJsonSchema(identityOf(c));
    return c.json({
      openapi: "3.1.0",
      info: { title: "alk hub", version: VERSION },
      security: [{ bearer: [] }],
      paths: Object.fromEntries(
        specs.map((spec) => [`/api/v1/operations/${spec.name}`, operationPath(spec)]),
      ),
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "An alk hub API key" },
        },
        schemas: { Error: ERROR_SCHEMA },
        responses: {
          Error: {
            description: "A coded error",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        },
      },
    });
  });
  return routes;
}
