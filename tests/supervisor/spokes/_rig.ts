/**
 * A loopback hub-in-miniature for the spoke tests: the real HTTP app
 * (`createApp`, with `/ws`, `/api/v1` and `/mcp`), the real spoke server,
 * registry, caller, call graph and MCP endpoint. Only the key verifier is a
 * fixed token map (with key metadata), so no database is needed and the
 * timings (heartbeats, auth deadline, limits) can be shortened.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPubSub, type PubSub } from "@alkdev/pubsub";
import {
  type Caller,
  createCaller,
  type OperationDefinition,
  OperationRegistry,
  type ServedOperations,
  serveOperations,
} from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { ApiKeyVerifier, VerifiedApiKey } from "../../../src/auth/mod.ts";
import { CallGraph } from "../../../src/graph/mod.ts";
import type { HubEvents } from "../../../src/supervisor/events.ts";
import { createApp } from "../../../src/supervisor/http/app.ts";
import type { HealthReport } from "../../../src/supervisor/health.ts";
import { listen, type Listener } from "../../../src/supervisor/server.ts";
import { createMcpEndpoint, type McpEndpoint } from "../../../src/supervisor/http/mcp/mod.ts";
import {
  createSpokeServer,
  type SpokeServer,
  type SpokeServerOptions,
} from "../../../src/supervisor/spokes/mod.ts";
import { connectSpoke, type ConnectSpokeOptions, type Spoke } from "../../../src/spoke/mod.ts";

function key(id: string, scopes: string[]): VerifiedApiKey {
  return { id, name: id, prefix: id, scopes, limits: {} };
}

/** Bearer tokens of the test keys, what each verifies to, and its metadata. */
export const KEYS = {
  admin: { token: "alk_t_admin", key: key("key-admin", ["admin"]), metadata: {} },
  spoke: { token: "alk_t_spoke", key: key("key-spoke", ["spoke", "ops"]), metadata: {} },
  lab: {
    token: "alk_t_lab",
    key: key("key-lab", ["spoke"]),
    metadata: { spokeNamespaces: ["lab"] },
  },
  events: { token: "alk_t_events", key: key("key-events", ["events"]), metadata: {} },
  ops: { token: "alk_t_ops", key: key("key-ops", ["ops"]), metadata: {} },
  // Valid when checked at connect (this verifier does not look at expiry), expired since.
  expired: {
    token: "alk_t_expired",
    key: { ...key("key-expired", ["spoke"]), expiresAt: new Date(0) },
    metadata: {},
  },
} as const;

const verifier: ApiKeyVerifier = {
  verify(token) {
    const found = Object.values(KEYS).find((entry) => entry.token === token);
    return found
      ? Promise.resolve(found.key)
      : Promise.reject(new HubError("unauthorized", "Invalid API key"));
  },
};

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** The running rig. */
export interface SpokeRig {
  url: string;
  wsUrl: string;
  registry: OperationRegistry;
  caller: Caller;
  pubsub: PubSub<HubEvents>;
  graph: CallGraph;
  spokes: SpokeServer;
  endpoint: McpEndpoint;
  listener: Listener;
  /** `fetch` on the rig with a bearer token (admin by default). */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** POST /api/v1/operations/:name; returns status and JSON body. */
  call(
    name: string,
    input: unknown,
    options?: { token?: string; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Connects an SDK spoke (closed by `close()`); resolves once registered unless `ready: false`. */
  spoke(
    options: Partial<ConnectSpokeOptions> & { operations: ConnectSpokeOptions["operations"] },
    wait?: { ready: boolean },
  ): Promise<Spoke>;
  /**
   * An MCP SDK client with `token` (closed by `close()`); `listening` resolves once its
   * event stream (where notifications arrive) is open.
   */
  mcp(token: string): Promise<{ client: Client; listening: Promise<void> }>;
  close(): Promise<void>;
}

/**
 * Starts the rig on a loopback port; `hubOperations` are served by the "hub" itself. A
 * `verifier` in `options` replaces the fixed token map for `/ws` upgrades only.
 */
export function startSpokeRig(
  options: Partial<Omit<SpokeServerOptions, "registry" | "pubsub">> = {},
  hubOperations: OperationDefinition[] = [],
): SpokeRig {
  const pubsub = createPubSub<HubEvents>();
  const registry = new OperationRegistry();
  const graph = new CallGraph({ pubsub });
  const served: ServedOperations = serveOperations({
    pubsub,
    registry,
    location: { kind: "supervisor", id: "supervisor" },
    operations: hubOperations,
  });
  const caller = createCaller({ pubsub, registry });
  const spokes = createSpokeServer({
    registry,
    pubsub,
    verifier: () => verifier,
    keyMetadata: (keyId) =>
      Promise.resolve(
        Object.values(KEYS).find((entry) => entry.key.id === keyId)?.metadata ?? {},
      ),
    log: quietLog,
    ...options,
  });
  const endpoint = createMcpEndpoint({
    registry,
    caller,
    serverInfo: { name: "alk hub (spoke test)", version: "0.0.0" },
  });
  const app = createApp({
    health: () => Promise.resolve({ status: "ok" } as HealthReport),
    refusal: () => undefined,
    verifier: () => verifier,
    registry,
    caller,
    pubsub,
    mcp: endpoint,
    spokes,
    bodyLimitBytes: 1 << 20,
    dev: false,
  });
  const listener = listen("127.0.0.1", 0, app.fetch);
  const wsUrl = listener.url.replace(/^http/, "ws") + "/ws";
  const opened: Spoke[] = [];
  const clients: Client[] = [];

  const request = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token ?? KEYS.admin.token}`);
    return fetch(`${listener.url}${path}`, { ...init, headers });
  };

  return {
    url: listener.url,
    wsUrl,
    registry,
    caller,
    pubsub,
    graph,
    spokes,
    endpoint,
    listener,
    request,
    async call(name, input, callOptions = {}) {
      const query = callOptions.timeoutMs === undefined ? "" : `?timeout=${callOptions.timeoutMs}`;
      const response = await request(`/api/v1/operations/${name}${query}`, {
        method: "POST",
        body: JSON.stringify(input),
        headers: { "content-type": "application/json" },
        token: callOptions.token,
        signal: callOptions.signal,
      });
      return { status: response.status, body: await response.json() };
    },
    async spoke(spokeOptions, wait = { ready: true }) {
      const spoke = connectSpoke({
        url: wsUrl,
        apiKey: KEYS.spoke.token,
        name: "test-spoke",
        reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
        closeTimeoutMs: 2_000,
        ...spokeOptions,
      });
      opened.push(spoke);
      if (wait.ready) await spoke.ready();
      return spoke;
    },
    async mcp(token) {
      const listening = gate();
      const transport = new StreamableHTTPClientTransport(new URL("/mcp", listener.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
        reconnectionOptions: {
          maxRetries: 0,
          initialReconnectionDelay: 10,
          maxReconnectionDelay: 10,
          reconnectionDelayGrowFactor: 1,
        },
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (init?.method === "GET" && response.ok) listening.resolve();
          return response;
        },
      });
      const client = new Client({ name: "spoke-test", version: "0.0.0" });
      clients.push(client);
      await client.connect(transport);
      return { client, listening: listening.promise };
    },
    async close() {
      await Promise.all(opened.map((spoke) => spoke.close({ timeoutMs: 500 }).catch(() => {})));
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      await endpoint.close();
      await spokes.close();
      await listener.close(5_000);
      await caller.close();
      await served.close();
      await graph.close();
    },
  };
}

/** Runs `fn` against a fresh rig and always closes it. */
export async function withRig(
  fn: (rig: SpokeRig) => Promise<void>,
  options?: Parameters<typeof startSpokeRig>[0],
  hubOperations?: OperationDefinition[],
): Promise<void> {
  const rig = startSpokeRig(options, hubOperations);
  try {
    await fn(rig);
  } finally {
    await rig.close();
  }
}

/** A raw WebSocket to the rig, with its messages collected and awaitable. */
export interface RawSocket {
  ws: WebSocket;
  /** Resolves with the next message matching `type` (already received ones count). */
  next(type: string): Promise<{ type: string; id: string; payload: Record<string, unknown> }>;
  /** Resolves with the close event. */
  closed: Promise<CloseEvent>;
  send(message: unknown): void;
}

/** Opens a raw socket (header auth with `token` unless undefined) and waits for it to open. */
export async function rawSocket(url: string, token?: string): Promise<RawSocket> {
  const ws = token === undefined
    ? new WebSocket(url)
    : new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const inbox: { type: string; id: string; payload: Record<string, unknown> }[] = [];
  const waiting: { type: string; resolve: (m: (typeof inbox)[number]) => void }[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (event) => {
    const value = JSON.parse(event.data as string);
    for (const message of Array.isArray(value) ? value : [value]) {
      const index = waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) waiting.splice(index, 1)[0].resolve(message);
      else inbox.push(message);
    }
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  return {
    ws,
    closed,
    next(type) {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0]);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
    send(message) {
      ws.send(typeof message === "string" ? message : JSON.stringify(message));
    },
  };
}

/**
 * A raw socket with the spoke key that has registered `operations` as spoke
 * "raw" (`maxInFlight` 4), so a test can answer calls frame by frame.
 */
export async function registeredRawSpoke(url: string, operations: unknown[]): Promise<RawSocket> {
  const raw = await rawSocket(url, KEYS.spoke.token);
  await raw.next("welcome");
  raw.send({
    type: "register",
    id: "r",
    payload: { protocol: 1, name: "raw", version: "1", maxInFlight: 4, operations },
  });
  await raw.next("registered");
  return raw;
}

/** A promise with its resolvers, for handlers a test holds open. */
export function gate<T = void>(): PromiseWithResolvers<T> {
  return Promise.withResolvers<T>();
}
