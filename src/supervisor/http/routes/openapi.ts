import { Hono } from "hono";
import type { OperationRegistry } from "@alkdev/operations";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import { openApiDocument } from "../openapi/document.ts";
import { identityOf } from "./call.ts";

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
