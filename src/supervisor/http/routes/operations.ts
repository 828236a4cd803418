import { Hono } from "hono";
import type { Caller, OperationRegistry } from "@alkdev/operations";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import { callFor, identityOf, jsonBody } from "./call.ts";

/** `GET /api/v1/operations`, `POST /api/v1/operations/:name`, `GET /api/v1/calls/:requestId`. */
export function operationRoutes(registry: OperationRegistry, caller: Caller): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/operations", (c) => c.json({ operations: registry.toJsonSchema(identityOf(c)) }));
  routes.post("/operations/:name", async (c) => {
    const { requestId, output } = await callFor(c, caller, c.req.param("name"), await jsonBody(c));
    return c.json({ requestId, output });
  });
  routes.get("/calls/:requestId", async (c) => {
    const { output } = await callFor(c, caller, "calls.get", {
      requestId: c.req.param("requestId"),
    });
    return c.json(output as Record<string, unknown>);
  });
  // Registered after the routes above, so they answer only the methods those leave.
  routes.all("/operations", methodNotAllowed("GET"));
  routes.all("/operations/:name", methodNotAllowed("POST"));
  routes.all("/calls/:requestId", methodNotAllowed("GET"));
  return routes;
}
