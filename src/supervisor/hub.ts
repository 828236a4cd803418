import type { Hono } from "hono";
import { resolve } from "node:path";
import { type Caller, type OperationRegistry } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { createPubSub, createPubSubRouter, type PubSub, type PubSubRouter } from "@alkdev/pubsub";
import { coordinatorActor } from "../actors/coordinator/mod.ts";
import { type ApiKeyService, ensureBootstrapAdminKey } from "../auth/mod.ts";
import { type AuthParts, startAuth } from "./startup/auth.ts";
import { buildApp } from "./startup/app.ts";
import type { McpParts } from "./startup/mcp.ts";
import type { KeyWatch } from "./keys/key_watch.ts";
import { type OperationsParts, startOperations } from "./operations/mod.ts";
import { type CliFlags, type HubSettings, type KeyRing, loadSettings } from "../config/mod.ts";
import { logger, setupLogging } from "../logging/mod.ts";
import { acquireDataDirLock, type Database, type DataDirLock } from "../storage/mod.ts";
import { ActorSystem } from "./actors/mod.ts";
import { buildHealth, type HealthReport } from "./health.ts";
import type { HubEnv } from "./http/app.ts";
import { listen, type Listener } from "./server.ts";
import { checkKeyRing } from "./startup/key_ring_check.ts";
import {
  connectRedis,
  openStorage,
  type RedisConnection,
  type Storage,
} from "./startup/services.ts";
import { StartupProgress } from "./startup/steps.ts";
import type { HubEvents } from "./events.ts";
import { type LlmGateway, startLlmGateway } from "./llm_gateway/mod.ts";
import type { SpokeServer, SpokeServerOptions } from "./spokes/mod.ts";

/** How to start a hub: CLI flags and environment, plus test hooks. */
export interface HubOptions {
  flags: CliFlags;
  env: Record<string, string | undefined>;
  /** Where log lines go (stdout by default). */
  logWrite?: (line: string) => void;
  /** Opens the database instead of PGlite/pg from the settings (tests use a template copy). */
  openDatabase?: (settings: HubSettings) => Promise<Database>;
  /** Called once the listener is up, before the remaining steps run. */
  onListen?: (url: string) => void;
  /** Limits and timings of `/ws` (heartbeats, frame size, queue bound; tests shorten them). */
  spokes?: Omit<SpokeServerOptions, "registry" | "pubsub" | "verifier" | "keyMetadata" | "log">;
  /** SSE keep-alive interval (15 s by default; tests shorten it). */
  sseKeepAliveMs?: number;
}

/** A running hub. */
export interface Hub {
  readonly url: string;
  readonly settings: HubSettings;
  /** The key ring that encrypts secrets at rest. */
  readonly keyRing: KeyRing;
  readonly actors: ActorSystem;
  readonly storage: Storage;
  /** API keys: create, list, revoke (revocations reach every verifier through the bus). */
  readonly keys: ApiKeyService;
  /** The hub's event bus: main-thread subscribers and every actor, joined by the router. */
  readonly pubsub: PubSub<HubEvents>;
  readonly router: PubSubRouter;
  /** Every operation the hub can call, wherever it runs. */
  readonly registry: OperationRegistry;
  /** Calls operations through the call protocol (authorised, validated, recorded). */
  readonly caller: Caller;
  /** Connected spokes and the dispatch of their operations (`/ws`). */
  readonly spokes: SpokeServer;
  /** The LLM gateway: the llm-proxy pool, limits, providers and usage records (`/v1`). */
  readonly llm: LlmGateway;
  /** The HTTP app, for in-process requests (`hub.app.request("/health")`) without a socket. */
  readonly app: Hono<HubEnv>;
  health(): Promise<HealthReport>;
  /** Drains and stops everything; safe to call twice. */
  stop(): Promise<void>;
}

type Phase = "starting" | "running" | "stopping";

/** What the hub holds while it runs; each part is set by the step that opens it. */
interface Parts {
  listener?: Listener;
  storage?: Storage;
  redis?: RedisConnection;
  actors?: ActorSystem;
  router?: PubSubRouter;
  auth?: AuthParts;
  operations?: OperationsParts;
  mcp?: McpParts;
  llm?: LlmGateway;
  /** The `/ws` endpoint and the dispatcher of spoke operations. */
  spokes?: SpokeServer;
  /** Aborted at shutdown: ends every SSE stream. */
  streams?: AbortController;
  keyWatch?: KeyWatch;
  lock?: DataDirLock;
}

/** Runs the startup sequence; resolves once `ready`, rejects with a StartupError naming the step. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const startedAt = performance.now();
  const progress = new StartupProgress();
  const parts: Parts = {};
  let phase: Phase = "starting";
  let shutdownTimeoutMs = 10_000;

  // A second stop() waits for the first: its caller may exit or delete the data dir next.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    phase = "stopping";
    return stopping ??= stopParts(parts, shutdownTimeoutMs);
  };
  const refusal = () =>
    phase === "running" ? undefined : new HubError(
      "unavailable",
      phase === "starting" ? `Hub is starting (step ${progress.current})` : "Hub is shutting down",
    );
  // The bus exists from the start (no I/O): subsystems join it as their steps run.
  const router = createPubSubRouter();
  parts.router = router;
  const pubsub = createPubSub<HubEvents>({ eventTarget: router });
  // Log lines written elsewhere than stdout (tests capture them) are not on a terminal.
  const logsToTerminal = options.logWrite ? false : undefined;
  const health = () => buildHealth({ phase, step: progress.current, startedAt, ...parts });

  try {
    const loaded = await progress.run(
      "load-config",
      () => loadSettings({ flags: options.flags, env: options.env, terminal: logsToTerminal }),
    );
    const { settings } = loaded;
    shutdownTimeoutMs = settings.shutdownTimeoutMs;
    // The embedded database's data dir is taken before anything else touches it,
    // so a second hub on it fails here, naming the lock, before it binds a port.
    parts.lock = await progress.run(
      "lock-data-dir",
      () => settings.databaseUrl ? undefined : acquireDataDirLock(settings.dataDir),
    );
    await progress.run("init-logger", async () => {
      await setupLogging({
        format: settings.logFormat,
        level: settings.logLevel,
        write: options.logWrite,
      });
      logConfigSource(settings.configPath);
      for (const warning of loaded.warnings) logger("config").warn(warning);
    });
    const built = await progress.run("build-app", () =>
      buildApp({
        settings,
        pubsub,
        health,
        refusal,
        auth: () => parts.auth!,
        activeKeyIds: () => parts.auth?.service.list().then((keys) => keys.map((key) => key.id)),
        llm: () => parts.llm,
        spokes: options.spokes,
        sseKeepAliveMs: options.sseKeepAliveMs,
      }));
    ({ mcp: parts.mcp, spokes: parts.spokes, streams: parts.streams } = built);
    parts.keyWatch = built.keyWatch;
    const { core, app } = built;
    parts.listener = await progress.run("start-listener", async () => {
      const listener = listen(settings.host, settings.port, app.fetch);
      options.onListen?.(listener.url);
      // The CLI finds a running hub's API through the data-dir lock it holds.
      await parts.lock?.advertise(listener.url);
      return listener;
    });
    const storage = await progress.run(
      "open-database",
      () => openStorage(settings, options.openDatabase),
    );
    parts.storage = storage;
    await progress.run("run-migrations", () => storage.migrate());
    parts.redis = await progress.run(
      "connect-redis",
      () =>
        settings.redisUrl
          ? connectRedis(settings.redisUrl, { commandTimeoutMs: settings.redisCommandTimeoutMs })
          : undefined,
    );
    const keyRing = await progress.run(
      "check-keyring",
      () => checkKeyRing(loaded.keyRing, loaded.keyRingPath),
    );
    parts.auth = await progress.run("start-auth", () => startAuth(storage.database.db, pubsub));
    await progress.run("create-admin-key", async () => {
      const bootstrap = await ensureBootstrapAdminKey(storage.database.db, settings.dataDir);
      if (bootstrap.created) {
        logger("auth").info("Created the admin API key {prefix}; it is in {path}", bootstrap);
      }
    });
    const actors = new ActorSystem({
      ...settings.actors,
      logFormat: settings.logFormat,
      logLevel: settings.logLevel,
      router,
    });
    parts.actors = actors;
    await progress.run("start-actors", () => actors.start(coordinatorActor));
    parts.llm = await progress.run("start-llm-gateway", () =>
      startLlmGateway({
        settings: settings.llm,
        actors,
        db: storage.database.db,
        keyRing,
        redis: parts.redis,
      }));
    parts.operations = await progress.run("start-operations", () =>
      startOperations({
        ...core,
        pubsub,
        db: storage.database.db,
        keys: parts.auth!.service,
        actors,
        startedAt,
      }));
    await progress.run("accept-requests", () => phase = "running");
    const url = parts.listener.url;
    await progress.run("ready", () => {
      logger("startup").info("Hub ready on {url} in {ms} ms", {
        url,
        ms: Math.round(performance.now() - startedAt),
      });
    });
    const keys = parts.auth!.service;
    const { registry, caller } = core;
    return {
      url,
      app,
      settings,
      keyRing,
      actors,
      storage,
      keys,
      pubsub,
      router,
      registry,
      caller,
      llm: parts.llm!,
      spokes: parts.spokes!,
      health,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function logConfigSource(path: string | undefined): void {
  const log = logger("config");
  if (path === undefined) log.info("No config file: settings from flags, environment and defaults");
  else log.info("Loaded config file {path}", { path: resolve(path) });
}

/**
 * Stop order: refuse new requests (the phase), end event streams, drain HTTP
 * (in-flight requests and MCP calls finish up to the deadline) while spokes
 * are still connected, then close spokes, actors, Redis and storage.
 */
async function stopParts(parts: Parts, timeoutMs: number): Promise<void> {
  const steps: Array<[string, (() => Promise<unknown>) | undefined]> = [
    [
      "stop re-checking open keys",
      parts.keyWatch && (() => Promise.resolve(parts.keyWatch!.close())),
    ],
    // SSE streams never end on their own: end them first, or the listener waits out its deadline.
    ["close event streams", parts.streams && (() => Promise.resolve(parts.streams!.abort()))],
    // In parallel: MCP GET streams hold the listener until their sessions close, and the
    // sessions close once their running calls are answered (or the deadline passes).
    ["drain HTTP requests and MCP sessions", () =>
      Promise.all([
        parts.mcp?.close({ graceMs: timeoutMs }),
        parts.listener?.close(timeoutMs),
      ])],
    // Only now: a spoke finishing a call drained above must still be there to answer it.
    ["close spoke connections", parts.spokes && (() => parts.spokes!.close())],
    ["stop operations", parts.operations && (() => parts.operations!.close())],
    ["stop actors", parts.actors && (() => parts.actors!.shutdown({ timeoutMs }))],
    // After the actors: requests they were finishing still leave their usage records.
    ["close the LLM gateway", parts.llm && (() => parts.llm!.close())],
    ["close the key subsystem", parts.auth && (() => parts.auth!.close())],
    ["close the event router", parts.router && (() => parts.router!.close())],
    ["close Redis", parts.redis && (() => parts.redis!.close())],
    ["close storage", parts.storage && (() => parts.storage!.close())],
    ["release the data-dir lock", parts.lock && (() => parts.lock!.release())],
  ];
  for (const [name, work] of steps) {
    await work?.().catch((error) => logger("shutdown").error(`Cannot ${name}: {error}`, { error }));
  }
  logger("shutdown").info("Hub stopped");
}
