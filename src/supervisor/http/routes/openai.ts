import { type Context, Hono } from "hono";
import { HubError } from "@hub/errors";
import { hasLlmScope, modelNotFound } from "../../../llm_catalog/mod.ts";
import type { LlmEndpoint } from "../../../actors/llm_proxy/mod.ts";
import { type LlmGateway, proxyCall } from "../../llm_gateway/mod.ts";
import type { HubEnv } from "../app.ts";
import { sendOpenAiError } from "./openai_errors.ts";

/**
 * `/v1`: the OpenAI-compatible API (chat completions, streaming or not;
 * embeddings; the models the key may use). Needs an `llm` scope; every error
 * is in OpenAI's shape.
 */
export function openAiRoutes(gateway: () => LlmGateway | undefined): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.onError((error, c) => sendOpenAiError(c, error));
  routes.notFound((c) =>
    sendOpenAiError(c, new HubError("not_found", `Cannot find route ${c.req.method} ${c.req.path}`))
  );
  const ready = (scopes: readonly string[]): LlmGateway => {
    if (!hasLlmScope(scopes)) {
      throw new HubError("forbidden", "This API key has no `llm` scope");
    }
    const running = gateway();
    if (!running) throw new HubError("unavailable", "The LLM gateway is not running");
    return running;
  };
  const proxy = (endpoint: LlmEndpoint) => async (c: Context<HubEnv>) => {
    const running = ready(c.var.apiKey.scopes);
    return await proxyCall(running, {
      requestId: c.get("requestId"),
      clientRequestId: c.req.header("x-request-id"),
      key: c.var.apiKey,
      endpoint,
      body: await c.req.text(),
      signal: c.req.raw.signal,
    });
  };
  routes.post("/chat/completions", proxy("chat"));
  routes.post("/embeddings", proxy("embeddings"));
  routes.get("/models", (c) => {
    const running = ready(c.var.apiKey.scopes);
    const created = 0;
    const data = running.catalog().models(c.var.apiKey.scopes).map((model) => ({
      id: model.id,
      object: "model",
      created,
      owned_by: model.ownedBy,
    }));
    c.header("x-request-id", c.get("requestId"));
    return c.json({ object: "list", data });
  });
  routes.get("/models/:model{.+}", (c) => {
    const running = ready(c.var.apiKey.scopes);
    const id = c.req.param("model");
    const model = running.catalog().models(c.var.apiKey.scopes).find((m) => m.id === id);
    // As a chat naming it answers (docs/llm-proxy.md#errors), and as OpenAI does.
    if (!model) throw modelNotFound(id);
    c.header("x-request-id", c.get("requestId"));
    return c.json({ id: model.id, object: "model", created: 0, owned_by: model.ownedBy });
  });
  return routes;
}
