/**
 * Cost of calling an actor: raw postMessage with request ids, bare comlink,
 * and an ActorHandle through the ActorSystem, all echoing the same payload in
 * one run. Prints a table, the ratios, and one JSON line for bench runners.
 *
 * ```sh
 * deno run -A bench/actor_call.ts            # full run
 * deno run -A bench/actor_call.ts --quick    # smoke run
 * ```
 *
 * @module
 */
import { wrap } from "comlink";
import { ActorSystem } from "../src/supervisor/actors/mod.ts";
import type { FixtureApi } from "../tests/fixtures/fixture_api.ts";

const quick = Deno.args.includes("--quick");
const SEQUENTIAL_CALLS = quick ? 500 : 5000;
const IN_FLIGHT = 100;
const THROUGHPUT_CALLS = quick ? 5000 : 50_000;
const WARMUP_CALLS = quick ? 500 : 5000;
const ROUNDS = quick ? 1 : 7;
const PAYLOAD = {
  requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  method: "coord.status",
  args: { depth: 3, tags: ["a", "b", "c"], limits: [1, 2, 4, 8, 16, 32] },
  note: "x".repeat(200),
};

type Echo = (value: unknown) => Promise<unknown>;

interface Result {
  p50Us: number;
  p99Us: number;
  callsPerSec: number;
}

interface Summary extends Result {
  /** Throughput of the slowest and fastest round: the noise on this machine. */
  callsPerSecRange: [number, number];
}

function fixture(name: string): URL {
  return new URL(`../tests/fixtures/${name}`, import.meta.url);
}

/** Request/response over bare postMessage: the floor any RPC layer adds to. */
function rawEcho(): { echo: Echo; close(): void } {
  const worker = new Worker(fixture("echo_raw_worker.ts"), { type: "module" });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  worker.onmessage = (event: MessageEvent<{ id: number; payload: unknown }>) => {
    const resolve = pending.get(event.data.id)!;
    pending.delete(event.data.id);
    resolve(event.data.payload);
  };
  return {
    echo: (payload) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage({ id, payload });
      }),
    close: () => worker.terminate(),
  };
}

/** Idiomatic bare comlink: `remote.echo(x)`. */
function comlinkEcho(): { echo: Echo; close(): void } {
  const worker = new Worker(fixture("echo_comlink_worker.ts"), { type: "module" });
  const remote = wrap<{ echo(value: unknown): unknown }>(worker);
  return { echo: (payload) => remote.echo(payload), close: () => worker.terminate() };
}

async function sequential(echo: Echo, calls: number): Promise<number[]> {
  const micros: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await echo(PAYLOAD);
    micros.push((performance.now() - start) * 1000);
  }
  return micros.sort((a, b) => a - b);
}

/** `IN_FLIGHT` lanes, each issuing its next call as soon as its last one answers. */
async function throughput(echo: Echo, calls: number): Promise<number> {
  const perLane = Math.ceil(calls / IN_FLIGHT);
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = 0; i < perLane; i++) await echo(PAYLOAD);
  }));
  return (perLane * IN_FLIGHT) / ((performance.now() - start) / 1000);
}

async function measure(echo: Echo): Promise<Result> {
  const latencies = await sequential(echo, SEQUENTIAL_CALLS);
  const callsPerSec = await throughput(echo, THROUGHPUT_CALLS);
  return {
    p50Us: latencies[Math.floor(latencies.length * 0.5)],
    p99Us: latencies[Math.floor(latencies.length * 0.99)],
    callsPerSec,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const system = new ActorSystem({
  heartbeatIntervalMs: 1000,
  heartbeatTimeoutMs: 5000,
  callTimeoutMs: 30_000,
  restart: { maxRestarts: 5, windowMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 10_000 },
  logLevel: "warning",
});
const handle = await system.start<FixtureApi>({
  kind: "fixture",
  id: "bench",
  entry: fixture("fixture_actor.ts"),
});
const raw = rawEcho();
const comlink = comlinkEcho();
const targets: Record<"raw" | "comlink" | "handle", Echo> = {
  raw: raw.echo,
  comlink: comlink.echo,
  handle: (payload) => handle.api.echo(payload),
};

for (const echo of Object.values(targets)) {
  await sequential(echo, WARMUP_CALLS);
  await throughput(echo, WARMUP_CALLS);
}
// Interleaved rounds, median per metric: this machine is noisy. The order
// rotates so no target always runs in the garbage (comlink makes a Proxy per
// call) left by the same predecessor.
const rounds: Record<string, Result[]> = { raw: [], comlink: [], handle: [] };
const entries = Object.entries(targets);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < entries.length; i++) {
    const [name, echo] = entries[(round + i) % entries.length];
    rounds[name].push(await measure(echo));
  }
}
const results = Object.fromEntries(
  Object.entries(rounds).map(([name, list]): [string, Summary] => {
    const throughputs = list.map((r) => r.callsPerSec);
    return [name, {
      p50Us: median(list.map((r) => r.p50Us)),
      p99Us: median(list.map((r) => r.p99Us)),
      callsPerSec: median(throughputs),
      callsPerSecRange: [Math.min(...throughputs), Math.max(...throughputs)],
    }];
  }),
) as Record<keyof typeof targets, Summary>;

raw.close();
comlink.close();
await system.shutdown({ timeoutMs: 1000 });

const fixed = (value: number, digits = 0) => value.toFixed(digits).padStart(10);
console.log(`payload ${JSON.stringify(PAYLOAD).length} B JSON; ${ROUNDS} rounds, median`);
console.log("target       p50 µs     p99 µs   calls/s (100 in flight)  rounds min–max");
for (const [name, r] of Object.entries(results)) {
  const [low, high] = r.callsPerSecRange.map((value) => value.toFixed(0));
  console.log(
    `${name.padEnd(8)}${fixed(r.p50Us, 1)} ${fixed(r.p99Us, 1)} ${fixed(r.callsPerSec)}` +
      `               ${low}–${high}`,
  );
}
const ratios = {
  handleVsComlinkThroughput: results.handle.callsPerSec / results.comlink.callsPerSec,
  comlinkVsRawThroughput: results.comlink.callsPerSec / results.raw.callsPerSec,
  handleVsRawThroughput: results.handle.callsPerSec / results.raw.callsPerSec,
  handleVsComlinkP50: results.handle.p50Us / results.comlink.p50Us,
};
for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value.toFixed(2)}`);
console.log(JSON.stringify({
  bench: "actor_call",
  sequentialCalls: SEQUENTIAL_CALLS,
  inFlight: IN_FLIGHT,
  throughputCalls: THROUGHPUT_CALLS,
  rounds: ROUNDS,
  results,
  ratios,
}));
