import { Hono } from "hono";
import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { type LlmGateway, queryUsage } from "../../llm_gateway/mod.ts";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `GET /api/v1/usage?from=&to=&keyId=&model=`: LLM usage aggregated by key
 * and model over `[from, to)` (ISO 8601; the last 24 hours by default). An
 * admin sees every key; any other key sees only its own usage.
 */
export function usageRoutes(gateway: () => LlmGateway | undefined): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/usage", async (c) => {
    const g = gateway();
    if (!g) throw new HubError("unavailable", "The LLM gateway is not running");
    const key = c.var.apiKey;
    const admin = hasScope(key.scopes, "admin");
    if (!admin && !key.scopes.some((s) => s === "llm" || s.startsWith("llm:"))) {
      throw new HubError("forbidden", "Cannot read usage: the key has no llm scope");
    }
    const to = dateParam(c.req.query("to"), "to") ?? new Date();
    const from = dateParam(c.req.query("from"), "from") ?? new Date(to.getTime() - DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new HubError("bad_request", "Invalid usage range: `from` is after `to`");
    }
    const requested = c.req.query("keyId");
    if (!admin && requested !== undefined && requested !== key.id) {
      throw new HubError("forbidden", "Cannot read usage of another key without scope admin");
    }
    // What is still queued counts too: a client reading right after its request sees it.
    await g.usage.flush();
    const groups = await queryUsage(g.db, {
      from,
      to,
      keyId: admin ? requested : key.id,
      model: c.req.query("model"),
    });
    return c.json({ from: from.toISOString(), to: to.toISOString(), usage: groups });
  });
  routes.all("/usage", methodNotAllowed("GET"));
  return routes;
}

function dateParam(text: string | undefined, name: string): Date | undefined {
  if (text === undefined || text === "") return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new HubError(
      "bad_request",
      `Invalid ${name} "${text.slice(0, 64)}": expected an ISO 8601 time`,
    );
  }
  return date;
}
