/**
 * Spoke calls against a raw WebSocket echo round trip (a bare `Deno.serve`
 * upgrade that sends every message back, driven by a client process), in the
 * same run:
 *
 * - **hub-routed**: `hub.caller.call()` in the hub — the path every HTTP and
 *   MCP call takes — to a spoke in another process and back;
 * - **HTTP → hub → spoke**: the whole path from an HTTP client process;
 * - references: a bare HTTP JSON echo (the HTTP leg alone) and an HTTP call of
 *   the hub's own `hub.status` (HTTP + hub, no spoke).
 *
 * p50/p99 of sequential calls and calls/s with 100 in flight; median of rounds.
 *
 * `deno run -A bench/spoke_call.ts [--rounds 3] [--no-record]` (`--no-record`:
 * the hub does not record each dispatch as a call-graph child).
 *
 * @module
 */
import { join } from "node:path";
import { startHub } from "../src/supervisor/mod.ts";
import { BENCH_INPUT } from "./_spoke_peer.ts";
import { measureCalls, median, printTable, record } from "./_report.ts";
import { runLoad } from "./_run_load.ts";

const PEER = new URL("./_spoke_peer.ts", import.meta.url).pathname;
const durationMs = 3000;
const warmupMs = 1000;
const roundsFlag = Deno.args.indexOf("--rounds");
const rounds = roundsFlag >= 0 ? Number(Deno.args[roundsFlag + 1]) : 3;

interface Measured {
  p50Us: number;
  p99Us: number;
  perSec: number;
}

async function runJson<T>(args: string[]): Promise<T> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench child failed: ${args.join(" ")}`);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!) as T;
}

async function httpLoad(
  url: string,
  headers: Record<string, string>,
  body: unknown = BENCH_INPUT,
): Promise<Measured> {
  const load = (concurrency: number) =>
    runLoad({ url, body: JSON.stringify(body), headers, concurrency, durationMs, warmupMs });
  const one = await load(1);
  const many = await load(100);
  if (one.failures + many.failures > 0) throw new Error(`calls to ${url} failed during the bench`);
  return { p50Us: one.p50Us, p99Us: one.p99Us, perSec: many.reqPerSec };
}

// Baseline 1: a raw WebSocket echo server.
const echo = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
  // No idle pings, like the hub's /ws: the comparison is the round trip alone.
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  socket.onmessage = (event) => socket.send(event.data);
  return response;
});
const echoUrl = `ws://127.0.0.1:${(echo.addr as Deno.NetAddr).port}/`;
// Reference: a bare HTTP JSON echo (what the HTTP leg costs without the hub).
const bare = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
  const body = await request.json();
  return Response.json({ requestId: crypto.randomUUID(), output: body });
});
const bareUrl = `http://127.0.0.1:${(bare.addr as Deno.NetAddr).port}/echo`;

const dataDir = await Deno.makeTempDir({ prefix: "hub_bench_" });
const hub = await startHub({
  flags: { port: 0, dataDir },
  env: {},
  logWrite: () => {},
});
const adminKey = (await Deno.readTextFile(join(dataDir, "admin.key"))).trim();
const { key: spokeKey } = await hub.keys.create(
  { name: "bench spoke", scopes: ["spoke"], metadata: { spokeNamespaces: ["bench"] } },
  { via: "system" },
);
const spoke = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", PEER, "spoke", hub.url.replace(/^http/, "ws") + "/ws", spokeKey],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = spoke.stdout.pipeThrough(new TextDecoderStream()).getReader();
for (let text = ""; !text.includes('"ready"');) text += (await reader.read()).value ?? "";

try {
  const results = {
    echo: [] as Measured[],
    routed: [] as Measured[],
    bare: [] as Measured[],
    local: [] as Measured[],
    spoke: [] as Measured[],
  };
  const identity = { keyId: "bench", scopes: ["admin"], via: "internal" };
  const routedCall = () => hub.caller.call("bench.status", BENCH_INPUT, { identity });
  await measureCalls(routedCall, { sequential: 2000, inFlight: 100, throughput: 5000 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    const echoRun = await runJson<{ p50Us: number; p99Us: number; perSec: number }>([
      PEER,
      "echo",
      echoUrl,
      JSON.stringify({ durationMs, warmupMs, inFlight: 100 }),
    ]);
    results.echo.push(echoRun);
    const routed = await measureCalls(routedCall, {
      sequential: 5000,
      inFlight: 100,
      throughput: 20_000,
    });
    results.routed.push({ ...routed, perSec: routed.concurrentPerSec });
    results.bare.push(await httpLoad(bareUrl, {}));
    results.local.push(
      await httpLoad(`${hub.url}/api/v1/operations/hub.status`, {
        authorization: `Bearer ${adminKey}`,
      }, {}),
    );
    results.spoke.push(
      await httpLoad(`${hub.url}/api/v1/operations/bench.status`, {
        authorization: `Bearer ${adminKey}`,
      }),
    );
  }
  const summary = (runs: Measured[]) => ({
    p50Us: median(runs.map((r) => r.p50Us)),
    p99Us: median(runs.map((r) => r.p99Us)),
    perSec: median(runs.map((r) => r.perSec)),
  });
  const echoS = summary(results.echo);
  const routedS = summary(results.routed);
  const bareS = summary(results.bare);
  const localS = summary(results.local);
  const spokeS = summary(results.spoke);
  const p50Ratio = routedS.p50Us / echoS.p50Us;
  printTable(`Spoke call over HTTP vs raw WebSocket echo (median of ${rounds} rounds)`, [
    ["target", "p50 µs", "p99 µs", "calls/s (100 in flight)", "p50 × echo"],
    ...([
      ["raw WebSocket echo", echoS],
      ["hub-routed spoke call", routedS],
      ["bare HTTP echo", bareS],
      ["HTTP → hub.status", localS],
      ["HTTP → hub → spoke", spokeS],
    ] as const).map(([name, s]) => [
      name,
      s.p50Us.toFixed(0),
      s.p99Us.toFixed(0),
      s.perSec.toFixed(0),
      `${(s.p50Us / echoS.p50Us).toFixed(2)}×`,
    ]),
  ]);
  record("spoke_call", {
    rounds,
    echo: echoS,
    routed: routedS,
    bareHttp: bareS,
    httpHubStatus: localS,
    httpSpoke: spokeS,
    p50Ratio: Number(p50Ratio.toFixed(2)),
    httpP50Ratio: Number((spokeS.p50Us / echoS.p50Us).toFixed(2)),
    throughputRatio: Number((routedS.perSec / echoS.perSec).toFixed(2)),
    target: "p50Ratio <= 3",
    met: p50Ratio <= 3,
    dispatch: hub.spokes.stats(),
  });
} finally {
  spoke.kill("SIGKILL");
  await spoke.status;
  await hub.stop();
  await echo.shutdown();
  await bare.shutdown();
  await Deno.remove(dataDir, { recursive: true });
}
