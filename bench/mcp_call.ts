/**
 * Cost of an MCP tool call: the MCP SDK's `Client.callTool` over Streamable
 * HTTP on loopback, against the baseline of a plain `POST
 * /api/v1/operations/:name` of the same operation, through the same app,
 * bearer middleware and caller, in the same run. Prints a table, the ratios,
 * and one JSON line for `bench/run.ts`.
 *
 * ```sh
 * deno run -A bench/mcp_call.ts            # full run
 * deno run -A bench/mcp_call.ts --quick    # smoke run
 * ```
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPubSub } from "@alkdev/pubsub";
import { createCaller, OperationRegistry, serveOperations } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { VerifiedApiKey } from "../src/auth/mod.ts";
import type { HubEvents } from "../src/supervisor/events.ts";
import type { HealthReport } from "../src/supervisor/health.ts";
import { createApp } from "../src/supervisor/http/app.ts";
import { createMcpEndpoint } from "../src/supervisor/http/mcp/mod.ts";
import { listen } from "../src/supervisor/server.ts";
import { type CallResult, measureCalls, median, printTable, record } from "./_report.ts";
import { STATUS_INPUT, statusOperation } from "./_status_operation.ts";

const quick = Deno.args.includes("--quick");
const SEQUENTIAL_CALLS = quick ? 300 : 3_000;
const IN_FLIGHT = 16;
const THROUGHPUT_CALLS = quick ? 1_000 : 10_000;
const ROUNDS = quick ? 1 : 5;

const status = statusOperation;
const INPUT = STATUS_INPUT;

// The storage-backed verifier is cached in the hub; a map lookup stands in for the cache hit.
const TOKEN = "alk_bench_key";
const apiKey: VerifiedApiKey = {
  id: "bench",
  name: "bench",
  prefix: "bench",
  scopes: ["ops"],
  limits: {},
};
const verifier = {
  verify: (token: string) =>
    token === TOKEN
      ? Promise.resolve(apiKey)
      : Promise.reject(new HubError("unauthorized", "Invalid API key")),
};

const pubsub = createPubSub<HubEvents>();
const registry = new OperationRegistry();
const server = serveOperations({
  pubsub,
  registry,
  location: { kind: "supervisor", id: "supervisor" },
  operations: [status],
});
const caller = createCaller({ pubsub, registry });
const mcp = createMcpEndpoint({ registry, caller, serverInfo: { name: "bench", version: "0" } });
const app = createApp({
  health: () => Promise.resolve({ status: "ok" } as HealthReport),
  refusal: () => undefined,
  verifier: () => verifier,
  registry,
  caller,
  pubsub,
  mcp,
  bodyLimitBytes: 1 << 20,
  dev: false,
});
const listener = listen("127.0.0.1", 0, app.fetch);
const headers = { authorization: `Bearer ${TOKEN}` };

const client = new Client({ name: "bench", version: "0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL("/mcp", listener.url), { requestInit: { headers } }),
);

type Call = () => Promise<unknown>;
const httpUrl = `${listener.url}/api/v1/operations/${status.name}`;
const httpBody = JSON.stringify(INPUT);
const http: Call = async () => {
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: httpBody,
  });
  if (!response.ok) throw new Error(`HTTP call failed: ${response.status}`);
  return await response.json();
};
const mcpCall: Call = async () => {
  const result = await client.callTool({ name: status.name, arguments: INPUT });
  if (result.isError) throw new Error("MCP call failed");
  return result;
};

type Result = CallResult;
const measure = (call: Call) =>
  measureCalls(call, {
    sequential: SEQUENTIAL_CALLS,
    inFlight: IN_FLIGHT,
    throughput: THROUGHPUT_CALLS,
  });

const targets: Record<"http" | "mcp", Call> = { http, mcp: mcpCall };
for (const call of Object.values(targets)) await measure(call); // warm-up: JIT, connections
const rounds: Record<string, Result[]> = { http: [], mcp: [] };
const entries = Object.entries(targets);
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so neither target always runs in the garbage of the other.
  for (let i = 0; i < entries.length; i++) {
    const [name, call] = entries[(round + i) % entries.length];
    rounds[name].push(await measure(call));
  }
}
await client.close();
await mcp.close();
await listener.close(5_000);
await caller.close();
await server.close();

const results = Object.fromEntries(
  Object.entries(rounds).map(([name, list]) => [name, {
    p50Us: median(list.map((r) => r.p50Us)),
    p99Us: median(list.map((r) => r.p99Us)),
    sequentialPerSec: median(list.map((r) => r.sequentialPerSec)),
    concurrentPerSec: median(list.map((r) => r.concurrentPerSec)),
  }]),
) as Record<keyof typeof targets, Result>;

printTable(
  `tool call over loopback, ${ROUNDS} rounds, median (${IN_FLIGHT} in flight for concurrent)`,
  [
    ["target", "p50 µs", "p99 µs", "sequential calls/s", "concurrent calls/s"],
    ...Object.entries(results).map(([name, r]) => [
      name === "http" ? "http POST (baseline)" : "mcp tools/call",
      r.p50Us.toFixed(0),
      r.p99Us.toFixed(0),
      r.sequentialPerSec.toFixed(0),
      r.concurrentPerSec.toFixed(0),
    ]),
  ],
);
const ratios = {
  // How many times slower an MCP tool call is than the same call over the plain HTTP API.
  mcpVsHttpP50: results.mcp.p50Us / results.http.p50Us,
  mcpVsHttpP99: results.mcp.p99Us / results.http.p99Us,
  mcpVsHttpConcurrent: results.http.concurrentPerSec / results.mcp.concurrentPerSec,
};
console.log();
for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value.toFixed(2)}×`);
record("mcp_call", {
  sequentialCalls: SEQUENTIAL_CALLS,
  inFlight: IN_FLIGHT,
  throughputCalls: THROUGHPUT_CALLS,
  rounds: ROUNDS,
  results,
  ratios,
});
