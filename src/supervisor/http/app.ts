import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HubError } from "@hub/errors";
import type { Caller, OperationRegistry } from "@alkdev/operations";
import type { PubSub } from "@alkdev/pubsub";
import type { ApiKeyVerifier } from "../../auth/mod.ts";
import type { HubEvents } from "../events.ts";
import { eventRoutes } from "./routes/events.ts";
import { keyRoutes } from "./routes/keys.ts";
import { llmProviderRoutes } from "./routes/llm_providers.ts";
import { openAiRoutes } from "./routes/openai.ts";
import { sendOpenAiError } from "./routes/openai_errors.ts";
import { usageRoutes } from "./routes/usage.ts";
import type { LlmGateway } from "../llm_gateway/mod.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { operationRoutes } from "./routes/operations.ts";
import type { HealthReport } from "../health.ts";
import { accessLog } from "./access_log.ts";
import { bodyReadTimeout } from "./body_timeout.ts";
import { type AuthVariables, bearerAuth } from "./auth.ts";
import { sendError } from "./errors.ts";
import { requestIds, type RequestIdVariables } from "./request_id.ts";
import { spokeRoutes, type SpokeServer } from "../spokes/mod.ts";
import type { KeyLeases } from "../keys/key_leases.ts";

/** What the HTTP app needs from the running hub. */
export interface AppDeps {
  /** The current health report; `/health` answers 200 only when its status is `ok`. */
  health(): Promise<HealthReport>;
  /** Why API routes cannot be served right now (starting, stopping), or undefined. */
  refusal(): HubError | undefined;
  /** The key verifier, once storage is up. */
  verifier(): ApiKeyVerifier;
  registry: OperationRegistry;
  caller: Caller;
  pubsub: PubSub<HubEvents>;
  /** Mounted at `/ws` (spoke connections) and `/api/v1/spokes` once set. */
  spokes?: SpokeServer;
  /** Mounted at `/mcp` once set. */
  mcp?: { handle(c: Context<HubEnv>): Promise<Response> };
  /** SSE keep-alive interval; 15 s by default. */
  keepAliveMs?: number;
  /** Aborted at shutdown: every SSE stream ends. */
  streams?: AbortSignal;
  /** Per-key caps of SSE streams (and the other surfaces, which hold it themselves). */
  leases?: KeyLeases;
  bodyLimitBytes: number;
  /** A body not received in full this long after the headers is cut (400); default 30 s. */
  bodyTimeoutMs?: number;
  dev: boolean;
  /** One info line per request (`hub.http.access`); true by default. Refusals are warned about either way. */
  accessLog?: boolean;
  /** The LLM gateway behind `/v1`, once it runs. */
  llm?: () => LlmGateway | undefined;
}

/** Hono variables of every hub route. */
export type HubEnv = { Variables: AuthVariables & RequestIdVariables };

/** Builds the supervisor's HTTP app: `/health` open, everything else behind a bearer key. */
export function createApp(deps: AppDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  app.use(requestIds());
  app.use(accessLog<HubEnv>({ lines: deps.accessLog ?? true }));
  // `/v1` is the OpenAI-compatible API: its clients expect OpenAI's error shape.
  const isOpenAi = (path: string) => path === "/v1" || path.startsWith("/v1/");
  app.onError((error, c) =>
    isOpenAi(c.req.path) ? sendOpenAiError(c, error) : sendError(c, error, deps.dev)
  );
  app.notFound((c) => {
    const error = new HubError("not_found", `Cannot find route ${c.req.method} ${c.req.path}`);
    return isOpenAi(c.req.path) ? sendOpenAiError(c, error) : sendError(c, error, deps.dev);
  });

  app.get("/health", async (c) => {
    const report = await deps.health();
    c.header("Cache-Control", "no-store");
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  app.use("*", async (_c, next) => {
    const refusal = deps.refusal();
    if (refusal) throw refusal;
    await next();
  });
  // Before the bearer middleware: a spoke may authenticate with its first frame instead.
  if (deps.spokes) app.get("/ws", (c) => deps.spokes!.handle(c));
  app.use("*", bearerAuth<HubEnv>(deps.verifier));
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: () => {
        throw new HubError(
          "payload_too_large",
          `Request body exceeds ${deps.bodyLimitBytes} bytes`,
        );
      },
    }),
  );
  // After the key and the limit: an unauthenticated client's body is never read.
  app.use("*", bodyReadTimeout(deps.bodyTimeoutMs ?? 30_000));
  const api = new Hono<HubEnv>()
    .route("/", operationRoutes(deps.registry, deps.caller))
    .route("/", keyRoutes(deps.caller))
    .route(
      "/",
      eventRoutes(deps.pubsub, {
        keepAliveMs: deps.keepAliveMs,
        signal: deps.streams,
        leases: deps.leases,
      }),
    )
    .route("/", openApiRoutes(deps.registry));
  if (deps.spokes) api.route("/", spokeRoutes(deps.spokes));
  const llm = deps.llm ?? (() => undefined);
  api.route("/", llmProviderRoutes(llm)).route("/", usageRoutes(llm));
  app.route("/api/v1", api);
  app.route("/v1", openAiRoutes(llm));
  if (deps.mcp) app.all("/mcp", (c) => deps.mcp!.handle(c));
  return app;
}
