import { Hono } from "hono";
import type { Caller } from "@alkdev/operations";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import { booleanQuery, callFor, jsonBody } from "./call.ts";

/** `/api/v1/keys`: REST over the `keys.*` operations (admin). */
export function keyRoutes(caller: Caller): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/keys", async (c) => {
    const includeRevoked = booleanQuery(c, "includeRevoked");
    const { output } = await callFor(c, caller, "keys.list", { includeRevoked });
    return c.json(output as Record<string, unknown>);
  });
  routes.post("/keys", async (c) => {
    const { output } = await callFor(c, caller, "keys.create", await jsonBody(c));
    c.header("Cache-Control", "no-store"); // the answer holds the only copy of the key
    return c.json(output as Record<string, unknown>, 201);
  });
  routes.delete("/keys/:id", async (c) => {
    const { output } = await callFor(c, caller, "keys.revoke", { id: c.req.param("id") });
    return c.json(output as Record<string, unknown>);
  });
  routes.all("/keys", methodNotAllowed("GET", "POST"));
  routes.all("/keys/:id", methodNotAllowed("DELETE"));
  return routes;
}
