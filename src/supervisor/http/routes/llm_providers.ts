import { type Context, Hono } from "hono";
import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { AuditActor } from "../../../auth/mod.ts";
import type { LlmGateway } from "../../llm_gateway/mod.ts";
import type { HubEnv } from "../app.ts";
import { jsonBody } from "./call.ts";

/**
 * `/api/v1/llm/providers` (admin): the gateway's upstream providers. Config
 * file providers are listed read-only; the others are stored with their API
 * key encrypted under the master key, which no answer ever contains. Every
 * change reaches the proxy pool before the answer is sent.
 */
export function llmProviderRoutes(gateway: () => LlmGateway | undefined): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.use("/llm/*", async (c, next) => {
    if (!hasScope(c.var.apiKey.scopes, "admin")) {
      throw new HubError("forbidden", "Cannot manage LLM providers: the key lacks scope admin");
    }
    await next();
  });
  // Every change is audited as the admin key that made it.
  const actor = (c: Context<HubEnv>): AuditActor => ({
    keyId: c.var.apiKey.id,
    accountId: c.var.apiKey.accountId,
    via: "http",
  });
  const running = () => {
    const g = gateway();
    if (!g) throw new HubError("unavailable", "The LLM gateway is not running");
    return g;
  };
  routes.get(
    "/llm/providers",
    async (c) => c.json({ providers: await running().providers.list() }),
  );
  routes.get(
    "/llm/providers/:name",
    async (c) => c.json(await running().providers.get(c.req.param("name"))),
  );
  routes.post("/llm/providers", async (c) => {
    const g = running();
    const created = await g.providers.create(await jsonBody(c), actor(c));
    await g.reload();
    return c.json(created, 201);
  });
  routes.put("/llm/providers/:name", async (c) => {
    const g = running();
    const replaced = await g.providers.replace(c.req.param("name"), await jsonBody(c), actor(c));
    await g.reload();
    return c.json(replaced);
  });
  routes.delete("/llm/providers/:name", async (c) => {
    const g = running();
    await g.providers.remove(c.req.param("name"), actor(c));
    await g.reload();
    return c.body(null, 204);
  });
  routes.get("/llm/models", (c) => {
    const catalog = running().catalog();
    return c.json({ models: catalog.models(["admin"]), aliases: catalog.data.aliases });
  });
  return routes;
}
