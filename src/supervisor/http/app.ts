import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { HubError } from "@alkdev/operations";
import type { Caller, OperationRegistry } from "@alkdev/operations";
import type { PubSub } from "@alkdev/pubsub";
import type { ApiKeyVerifier } from "../../auth/mod.ts";
import type { HubEvents } from "../events.ts";
import { eventRoutes } from "./routes/events.ts";
import { keyRoutes } from "./routes/keys.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { operationRoutes } from "./routes/operations.ts";
import type { HealthReport } from "../health.ts";
import { type AuthVariables, bearerAuth } from "./auth.ts";
import { sendError } from "./errors.ts";

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
  /** Mounted at `/mcp` once set. */
  mcp?: { handle(c: Context<HubEnv>): Promise<Response> };
  /** SSE keep-alive interval; 15 s by default. */
  keepAliveMs?: number;
  /** Aborted at shutdown: every SSE stream ends. */
  streams?: AbortSignal;
  bodyLimitBytes: number;
  dev: boolean;
}

/** Hono variables of every hub route. */
export type HubEnv = { Variables: AuthVariables & { requestId: string } };

/** Builds the supervisor's HTTP app: `/health` open, everything else behind a bearer key. */
export function createApp(deps: AppDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
  app.onError((error, c) => sendError(c, error, deps.dev));
  app.notFound((c) =>
    sendError(
      c,
      new HubError("not_found", `Cannot find route ${c.req.method} ${c.req.path}`),
      deps.dev,
    )
  );

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
  const api = new Hono<HubEnv>()
    .route("/", operationRoutes(deps.registry, deps.caller))
    .route("/", keyRoutes(deps.caller))
    .route("/", eventRoutes(deps.pubsub, { keepAliveMs: deps.keepAliveMs, signal: deps.streams }))
    .route("/", openApiRoutes(deps.registry));
  app.route("/api/v1", api);
  if (deps.mcp) app.all("/mcp", (c) => deps.mcp!.handle(c));
  return app;
}
