import { Hono } from "hono";
import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import type { SpokeServer } from "../../spokes/spoke_server.ts";

/**
 * `GET /api/v1/spokes`: the connected, registered spokes. Admins see all of
 * them; a key with the `spoke` scope sees the spokes connected with itself.
 */
export function spokeRoutes(spokes: SpokeServer): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/spokes", (c) => {
    const key = c.var.apiKey;
    if (hasScope(key.scopes, "admin")) return c.json({ spokes: spokes.list() });
    if (!hasScope(key.scopes, "spoke")) {
      throw new HubError("forbidden", `Cannot list spokes: missing scope "spoke"`);
    }
    return c.json({ spokes: spokes.list().filter((spoke) => spoke.keyId === key.id) });
  });
  routes.all("/spokes", methodNotAllowed("GET"));
  return routes;
}
