/**
 * A loopback hub-in-miniature for the MCP tests: the real HTTP app
 * (`createApp`: bearer middleware, error handling, `/api/v1` routes) with the
 * `/mcp` endpoint mounted, over the real registry, call protocol and call
 * graph. Only the key verifier is a fixed token map, standing in for the
 * storage-backed one, so no database is needed.
 *
 * @module
 */
import Type from "typebox";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPubSub, type PubSub } from "@alkdev/pubsub";
import {
  type Caller,
  createCaller,
  defineOperation,
  OperationRegistry,
  type ServedOperations,
  serveOperations,
} from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { ApiKeyVerifier, VerifiedApiKey } from "../../../../src/auth/mod.ts";
import { CallGraph } from "../../../../src/graph/mod.ts";
import type { HubEvents } from "../../../../src/supervisor/events.ts";
import { createApp } from "../../../../src/supervisor/http/app.ts";
import type { HealthReport } from "../../../../src/supervisor/health.ts";
import { listen, type Listener } from "../../../../src/supervisor/server.ts";
import {
  createMcpEndpoint,
  type McpEndpoint,
  type McpEndpointOptions,
} from "../../../../src/supervisor/http/mcp/mod.ts";

function key(id: string, scopes: string[]): VerifiedApiKey {
  return { id, name: id, prefix: id, scopes, limits: {} };
}

/** Bearer tokens of the test keys and what each verifies to. */
export const KEYS = {
  ops: { token: "alk_test_ops", key: key("key-ops", ["ops"]) },
  admin: { token: "alk_test_admin", key: key("key-admin", ["admin"]) },
} as const;

const verifier: ApiKeyVerifier = {
  verify(token) {
    const found = Object.values(KEYS).find((entry) => entry.token === token);
    return found
      ? Promise.resolve(found.key)
      : Promise.reject(new HubError("unauthorized", "Invalid API key"));
  },
};

export const echo = defineOperation({
  name: "test.echo",
  kind: "query",
  description: "Returns its text",
  input: Type.Object({ text: Type.String(), count: Type.Optional(Type.Integer({ minimum: 0 })) }),
  output: Type.Object({ text: Type.String() }),
  access: { scopes: ["ops:test"] },
  handler: ({ text }) => ({ text }),
});

const add = defineOperation({
  name: "test.add",
  kind: "query",
  description: "Adds two numbers",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }),
  output: Type.Number(),
  access: { scopes: [] },
  handler: ({ a, b }) => a + b,
});

const upper = defineOperation({
  name: "test.upper",
  kind: "query",
  description: "Upper-cases a string input (not an object)",
  input: Type.String({ maxLength: 10 }),
  output: Type.String(),
  access: { scopes: ["ops:test"] },
  handler: (text) => text.toUpperCase(),
});

const secret = defineOperation({
  name: "admin.secret",
  kind: "mutation",
  description: "Only for admins",
  input: Type.Object({}),
  output: Type.Null(),
  access: { scopes: ["admin"] },
  handler: () => null,
});

const fails = defineOperation({
  name: "test.fails",
  kind: "mutation",
  description: "Fails in its handler",
  input: Type.Object({}),
  output: Type.Null(),
  access: { scopes: [] },
  handler: () => {
    throw new HubError("upstream_error", "Cannot reach upstream: connection refused");
  },
});

const crashes = defineOperation({
  name: "test.crashes",
  kind: "mutation",
  description: "Throws a plain Error holding a secret",
  input: Type.Object({}),
  output: Type.Null(),
  access: { scopes: [] },
  handler: () => {
    throw new Error("database password is hunter2");
  },
});

/** Runs until its call is aborted; `started` tells the test it is running. */
function slow(started: () => void) {
  return defineOperation({
    name: "test.slow",
    kind: "query",
    description: "Waits for its abort",
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: (_input, ctx) =>
      new Promise<null>((_resolve, reject) => {
        started();
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      }),
  });
}

/** An SDK client connected over Streamable HTTP. */
export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Resolves once the client's GET event stream (where notifications arrive) is open. */
  listening: Promise<void>;
}

/** The running rig. */
export interface McpRig {
  url: string;
  mcpUrl: URL;
  endpoint: McpEndpoint;
  registry: OperationRegistry;
  caller: Caller;
  pubsub: PubSub<HubEvents>;
  graph: CallGraph;
  listener: Listener;
  /** Resolves when `test.slow` has started, once per call. */
  slowStarted(): Promise<void>;
  /** Connects an SDK client with `token` as its bearer key (closed by `close()`). */
  connect(token: string): Promise<Connected>;
  close(): Promise<void>;
}

/** Starts the rig on a loopback port. */
export function startMcpRig(options: Partial<McpEndpointOptions> = {}): McpRig {
  const pubsub = createPubSub<HubEvents>();
  const registry = new OperationRegistry();
  const graph = new CallGraph({ pubsub });
  let onSlow = () => {};
  const served: ServedOperations = serveOperations({
    pubsub,
    registry,
    location: { kind: "supervisor", id: "supervisor" },
    operations: [echo, add, upper, secret, fails, crashes, slow(() => onSlow())],
  });
  const caller = createCaller({ pubsub, registry });
  const endpoint = createMcpEndpoint({
    registry,
    caller,
    serverInfo: { name: "alk hub (test)", version: "0.0.0" },
    ...options,
  });
  const app = createApp({
    health: () => Promise.resolve({ status: "ok" } as HealthReport),
    refusal: () => undefined,
    verifier: () => verifier,
    registry,
    caller,
    pubsub,
    mcp: endpoint,
    bodyLimitBytes: 1 << 20,
    dev: false,
  });
  const listener = listen("127.0.0.1", 0, app.fetch);
  const mcpUrl = new URL("/mcp", listener.url);
  const clients: Client[] = [];

  return {
    url: listener.url,
    mcpUrl,
    endpoint,
    registry,
    caller,
    pubsub,
    graph,
    listener,
    slowStarted: () => new Promise((resolve) => onSlow = resolve),
    async connect(token) {
      let opened = () => {};
      const listening = new Promise<void>((resolve) => opened = resolve);
      const transport = new StreamableHTTPClientTransport(mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
        // A test must not sit in reconnection backoff after the server ends a session.
        reconnectionOptions: {
          maxRetries: 0,
          initialReconnectionDelay: 10,
          maxReconnectionDelay: 10,
          reconnectionDelayGrowFactor: 1,
        },
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (init?.method === "GET" && response.ok) opened();
          return response;
        },
      });
      const client = new Client({ name: "mcp-test", version: "0.0.0" });
      clients.push(client);
      await client.connect(transport);
      return { client, transport, listening };
    },
    async close() {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      await endpoint.close();
      await listener.close(5_000);
      await caller.close();
      await served.close();
      await graph.close();
    },
  };
}

/** A raw JSON-RPC POST to `/mcp`, for what the SDK client never sends (foreign session ids). */
export function postMcp(
  rig: McpRig,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(rig.mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** A raw `initialize` request body. */
export function initializeRequest(id = 1): unknown {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw", version: "0" },
    },
  };
}
