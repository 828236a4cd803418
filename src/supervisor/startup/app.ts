import type { Hono } from "hono";
import type { PubSub } from "@alkdev/pubsub";
import type { HubError } from "@hub/errors";
import type { ApiKeyService, ApiKeyVerifier } from "../../auth/mod.ts";
import type { HubSettings } from "../../config/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { HubEvents } from "../events.ts";
import type { HealthReport } from "../health.ts";
import { createApp, type HubEnv } from "../http/app.ts";
import type { LlmGateway } from "../llm_gateway/mod.ts";
import { createOperationsCore, type OperationsCore } from "../operations/mod.ts";
import { createSpokeServer, type SpokeServer, type SpokeServerOptions } from "../spokes/mod.ts";
import { type McpParts, startMcp } from "./mcp.ts";
import { KeyLeases } from "../keys/key_leases.ts";
import { type KeyWatch, watchOpenKeys } from "../keys/key_watch.ts";

/** What {@linkcode buildApp} needs; the late parts are read per request, once their steps ran. */
export interface BuildAppOptions {
  settings: HubSettings;
  pubsub: PubSub<HubEvents>;
  health(): Promise<HealthReport>;
  refusal(): HubError | undefined;
  /** The key service and verifier, set by the `start-auth` step. */
  auth(): { service: ApiKeyService; verifier: ApiKeyVerifier };
  /** Ids of every unrevoked key (one query), or undefined before the `start-auth` step. */
  activeKeyIds(): Promise<Iterable<string>> | undefined;
  /** The LLM gateway, set by the `start-llm-gateway` step. */
  llm(): LlmGateway | undefined;
  spokes?: Omit<SpokeServerOptions, "registry" | "pubsub" | "verifier" | "keyMetadata" | "log">;
  sseKeepAliveMs?: number;
}

/** The HTTP app and the parts it serves, built before anything behind them runs. */
export interface BuiltApp {
  app: Hono<HubEnv>;
  core: OperationsCore;
  mcp: McpParts;
  spokes: SpokeServer;
  /** Aborted at shutdown: ends every SSE stream. */
  streams: AbortController;
  /** Re-checks the keys of open connections; stop it at shutdown. */
  keyWatch: KeyWatch;
}

/**
 * Builds the app with no I/O, so the listener can bind right after it and
 * `/health` answers `starting` while storage and actors come up.
 */
export function buildApp(options: BuildAppOptions): BuiltApp {
  const { settings, pubsub } = options;
  const leases = new KeyLeases(settings.limits.perKey);
  const core = createOperationsCore(pubsub, {
    defaultTimeoutMs: settings.actors.callTimeoutMs,
    leases,
  });
  const mcp = startMcp(core, { pubsub, leases });
  const verifier = () => options.auth().verifier;
  const spokes = createSpokeServer({
    registry: core.registry,
    pubsub,
    verifier,
    keyMetadata: async (keyId) => (await options.auth().service.get(keyId)).metadata,
    log: logger("spokes"),
    leases,
    ...options.spokes,
  });
  const streams = new AbortController();
  const keyWatch = watchOpenKeys({
    openKeys: () => leases.keys(),
    activeKeys: () => options.activeKeyIds(),
    pubsub,
    intervalMs: settings.limits.keyRecheckIntervalMs,
  });
  const app = createApp({
    health: options.health,
    refusal: options.refusal,
    registry: core.registry,
    caller: core.caller,
    pubsub,
    keepAliveMs: options.sseKeepAliveMs,
    streams: streams.signal,
    leases,
    mcp: mcp.endpoint,
    spokes,
    verifier,
    bodyLimitBytes: settings.bodyLimitBytes,
    bodyTimeoutMs: settings.bodyTimeoutMs,
    dev: settings.dev,
    accessLog: settings.accessLog,
    llm: options.llm,
  });
  return { app, core, mcp, spokes, streams, keyWatch };
}
