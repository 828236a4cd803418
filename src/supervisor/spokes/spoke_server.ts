/**
 * `createSpokeServer`: the hub's `/ws` endpoint. It upgrades authenticated
 * requests (or waits for a first `auth` frame), keeps every connection, runs
 * one heartbeat check for all of them, closes the connections of a revoked
 * key, and owns the {@linkcode RunnerPool} that dispatches spoke operations.
 *
 * @module
 */
import type { Context } from "hono";
import { type OperationLog, type OperationRegistry } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { PubSub } from "@alkdev/pubsub";
import { type ApiKeyVerifier, hasScope, KEY_REVOKED, type VerifiedApiKey } from "../../auth/mod.ts";
import { KeyLeases, type Release } from "../keys/key_leases.ts";
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  type SpokeMessage,
  SpokeMessageSchemas,
  SUBPROTOCOL,
} from "../../spoke/mod.ts";
import type { HubEvents } from "../events.ts";
import {
  type ConnectionHost,
  type ConnectionSettings,
  SpokeConnection,
  type SpokeInfo,
} from "./spoke_connection.ts";
import { RunnerPool, type RunnerPoolStats } from "./runner_pool.ts";

/** Options of {@linkcode createSpokeServer}. */
export interface SpokeServerOptions extends Partial<ConnectionSettings> {
  registry: OperationRegistry;
  pubsub: PubSub<HubEvents>;
  /** The key verifier (a function: it exists only once storage is up). */
  verifier: () => ApiKeyVerifier;
  /** A key's metadata; default `{}` (no namespace restriction). */
  keyMetadata?: (keyId: string) => Promise<Record<string, unknown>>;
  log: OperationLog;
  /** Connections at once; more are refused `unavailable` (503). Default 10 000. */
  maxConnections?: number;
  /** Connections still waiting for their `auth` frame; more are refused `unavailable`. Default 256. */
  maxUnauthenticated?: number;
  /** Calls of one operation waiting for a spoke; default 256. */
  maxQueued?: number;
  /** Per-key caps (`webSockets` applies here); default: the default caps. */
  leases?: KeyLeases;
}

/** Counters of {@linkcode SpokeServer.stats}. */
export interface SpokeServerStats extends RunnerPoolStats {
  connections: number;
  spokes: number;
  malformed: number;
  oversized: number;
  slowConsumer: number;
}

/** The running `/ws` endpoint. */
export interface SpokeServer {
  /** Handles `GET /ws` (a WebSocket upgrade). */
  handle(c: Context): Promise<Response>;
  /** Registered spokes, oldest first. */
  list(): SpokeInfo[];
  stats(): SpokeServerStats;
  /** Closes one spoke's connection (1001); its calls fail `unavailable`. False if unknown. */
  disconnect(spokeId: string, reason?: string): boolean;
  /** Closes every connection (1001) and fails their calls `unavailable`. */
  close(): Promise<void>;
}

const DEFAULTS: ConnectionSettings = {
  heartbeatIntervalMs: 15_000,
  heartbeatTimeoutMs: 45_000,
  authTimeoutMs: 5_000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxBufferedBytes: 1024 * 1024,
  maxOffences: 5,
  maxSubscriptions: 32,
};

/** How many recent revocations are remembered; the oldest go first. */
const RECENT_REVOCATIONS = 10_000;

/** A set that forgets its oldest entries past `max`. */
class RecentSet {
  readonly #items = new Set<string>();
  constructor(readonly max: number) {}
  add(item: string): void {
    this.#items.delete(item);
    if (this.#items.size >= this.max) this.#items.delete(this.#items.values().next().value!);
    this.#items.add(item);
  }
  has(item: string): boolean {
    return this.#items.has(item);
  }
}

/**
 * Admits a verified key to `/ws`: it needs `spoke` (or `events`, to only
 * subscribe), and one more socket under its per-key cap.
 */
function admit(key: VerifiedApiKey, leases: KeyLeases): Release {
  if (!hasScope(key.scopes, "spoke") && !hasScope(key.scopes, "events")) {
    throw new HubError(
      "forbidden",
      'Cannot open spoke connection: the API key needs the "spoke" or "events" scope',
    );
  }
  return leases.acquire(key.id, "webSockets");
}

function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new HubError("unauthorized", "Authorization header is not of the form Bearer <api key>");
  }
  return match[1];
}

/** Creates the `/ws` endpoint and its dispatcher. */
export function createSpokeServer(options: SpokeServerOptions): SpokeServer {
  const settings: ConnectionSettings = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof ConnectionSettings)[]) {
    if (options[name] !== undefined) settings[name] = options[name]!;
  }
  const maxConnections = options.maxConnections ?? 10_000;
  const maxUnauthenticated = options.maxUnauthenticated ?? 256;
  const leases = options.leases ?? new KeyLeases();
  const { log, pubsub, registry } = options;
  const connections = new Set<SpokeConnection>();
  const counters = { malformed: 0, oversized: 0, slowConsumer: 0, unknownResults: 0 };
  const pool = new RunnerPool({
    pubsub,
    registry,
    log,
    maxQueued: options.maxQueued,
    maxFrameBytes: settings.maxFrameBytes,
  });
  let closed = false;

  // Revocations seen lately, for keys verified before the revocation but not yet on a
  // connection (the socket not open yet, the auth frame's verification still running).
  const recentlyRevoked = new RecentSet(RECENT_REVOCATIONS);

  const host: ConnectionHost = {
    pool,
    pubsub,
    decoder: new FrameDecoder<SpokeMessage>(SpokeMessageSchemas, settings.maxFrameBytes),
    log,
    settings,
    verify: (apiKey) => options.verifier().verify(apiKey),
    metadata: (keyId) => options.keyMetadata?.(keyId) ?? Promise.resolve({}),
    registryCheck: { registry, offered: (name) => pool.offered(name) },
    forget: (connection) => connections.delete(connection),
    revoked: (keyId) => recentlyRevoked.has(keyId),
    admit: (key) => admit(key, leases),
    count: (counter) => void (counters[counter] += 1),
  };

  // One timer for every connection: 1,000 idle spokes must not cost 1,000 timers.
  const heartbeats = setInterval(() => {
    const now = Date.now();
    const limit = now - settings.heartbeatTimeoutMs;
    for (const connection of connections) {
      // A key checked once at connect must not outlive its expiry.
      if (connection.keyExpired(now)) {
        log.info("Closing spoke {name} ({id}): its API key expired", {
          name: connection.name,
          id: connection.id,
        });
        connection.close("unauthorized", "API key expired");
        continue;
      }
      if (connection.lastSeen >= limit) continue;
      log.warn("Closing spoke {name} ({id}): no heartbeat for {ms} ms", {
        name: connection.name,
        id: connection.id,
        ms: settings.heartbeatTimeoutMs,
      });
      connection.close("timeout", "heartbeat timeout");
    }
  }, Math.max(50, Math.min(settings.heartbeatIntervalMs, settings.heartbeatTimeoutMs / 3)));
  Deno.unrefTimer(heartbeats);

  // A revoked key loses its connections at once, not at its next frame.
  const revocations = pubsub.subscribe(KEY_REVOKED);
  (async () => {
    for await (const event of revocations) {
      const keyId = (event.payload as { keyId?: unknown } | null)?.keyId;
      if (typeof keyId !== "string") continue;
      recentlyRevoked.add(keyId);
      for (const connection of [...connections]) {
        if (connection.keyId === keyId) {
          connection.close("unauthorized", "API key has been revoked");
        }
      }
    }
  })().catch((error) => log.error("Spoke revocation listener stopped: {error}", { error }));

  return {
    async handle(c) {
      if (closed) {
        throw new HubError("unavailable", "Cannot open spoke connection: the hub is stopping");
      }
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new HubError(
          "bad_request",
          "Cannot open spoke connection: expected a WebSocket upgrade",
        );
      }
      const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim())
        .filter((p) => p !== "");
      if (offered.length > 0 && !offered.includes(SUBPROTOCOL)) {
        throw new HubError(
          "bad_request",
          `Cannot open spoke connection: subprotocol must be "${SUBPROTOCOL}"`,
        );
      }
      const refuseIfFullOrStopping = () => {
        if (closed) {
          throw new HubError("unavailable", "Cannot open spoke connection: the hub is stopping");
        }
        if (connections.size >= maxConnections) {
          throw new HubError(
            "unavailable",
            `Cannot open spoke connection: ${maxConnections} connections are open`,
          );
        }
      };
      refuseIfFullOrStopping();
      const bearer = bearerOf(c.req.header("authorization"));
      let key: VerifiedApiKey | undefined;
      if (bearer !== undefined) key = await options.verifier().verify(bearer);
      // Checked again: while the key was verified, other upgrades may have taken the last
      // slots, or close() may have begun (it would never close a connection added now).
      // From here to `connections.add` nothing awaits.
      refuseIfFullOrStopping();
      // Sockets that have not authenticated yet get a small share, so keyless
      // clients cannot take every slot from real spokes.
      let unauthenticated = 0;
      for (const connection of connections) if (connection.keyId === undefined) unauthenticated++;
      if (key === undefined && unauthenticated >= maxUnauthenticated) {
        throw new HubError(
          "unavailable",
          `Cannot open spoke connection: ${maxUnauthenticated} connections are still authenticating`,
        );
      }
      // Refused before the upgrade, so the client sees the status (403, 429) and the message.
      const release = key && admit(key, leases);
      // Read before the upgrade: afterwards the request is gone and remoteAddr throws.
      const remote = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr?.hostname;
      let upgraded;
      try {
        upgraded = Deno.upgradeWebSocket(c.req.raw, {
          ...(offered.length > 0 ? { protocol: SUBPROTOCOL } : {}),
          idleTimeout: 0, // the protocol's own heartbeats decide
        });
      } catch (error) {
        release?.();
        throw error;
      }
      const { socket, response } = upgraded;
      connections.add(new SpokeConnection(socket, host, { key, release, remoteAddress: remote }));
      return response;
    },
    list() {
      return [...connections].filter((connection) => connection.registered)
        .map((connection) => connection.info());
    },
    stats() {
      let spokes = 0;
      for (const connection of connections) if (connection.registered) spokes += 1;
      const dispatch = pool.stats();
      return {
        connections: connections.size,
        spokes,
        ...counters,
        ...dispatch,
        unknownResults: counters.unknownResults + dispatch.unknownResults,
      };
    },
    disconnect(spokeId, reason = "disconnected by the hub") {
      for (const connection of connections) {
        if (connection.id !== spokeId) continue;
        connection.close("going_away", reason);
        return true;
      }
      return false;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeats);
      await revocations.return();
      for (const connection of [...connections]) connection.close("going_away", "hub stopping");
      await pool.close();
    },
  };
}
