/**
 * The remote side of the spoke benchmarks, run as its own process so it
 * never shares an event loop with the hub it measures:
 *
 * - `spoke <ws url> <api key> [count]`: `count` (default 1) SDK spokes offering
 *   `bench.status`; prints `{"ready":count}` once all are registered, then
 *   runs until killed.
 * - `echo <ws url> <json {durationMs, warmupMs, inFlight}>`: a raw WebSocket
 *   client against an echo server: sequential round trips (p50/p99), then
 *   `inFlight` messages in flight (round trips/s). Prints one JSON line.
 *
 * @module
 */
import { connectSpoke } from "../src/spoke/mod.ts";
import { percentile } from "./_report.ts";
import { smallQuery, STATUS_INPUT } from "./_status_operation.ts";

/** The benchmarks' operation: the same small query as `coord.status`, in a spoke namespace. */
export const benchStatus = smallQuery("bench.status", "ops:bench");

/** The input every call sends (also the echo payload's body). */
export const BENCH_INPUT = STATUS_INPUT;

async function runSpokes(url: string, apiKey: string, count: number): Promise<void> {
  const spokes = [];
  for (let i = 0; i < count; i++) {
    spokes.push(connectSpoke({
      url,
      apiKey,
      name: `bench-${i}`,
      operations: [benchStatus],
      maxInFlight: 128,
    }));
    // Connect in waves, as a fleet would; a thousand simultaneous handshakes measure the kernel.
    if (i % 50 === 49) await Promise.all(spokes.slice(-50).map((spoke) => spoke.ready()));
  }
  await Promise.all(spokes.map((spoke) => spoke.ready()));
  console.log(JSON.stringify({ ready: count }));
  await new Promise(() => {}); // until killed
}

async function runEcho(
  url: string,
  options: { durationMs: number; warmupMs: number; inFlight: number },
) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  // The same shape as a call: a request with an id and a body, answered by id.
  const waiting = new Map<number, () => void>();
  ws.onclose = (event) => {
    console.error(`echo: the server closed the socket (${event.code} ${event.reason})`);
    Deno.exit(1);
  };
  ws.onmessage = (event) => {
    const { seq } = JSON.parse(event.data);
    const done = waiting.get(seq);
    waiting.delete(seq);
    done?.();
  };
  let seq = 0;
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      const id = seq++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ seq: id, operation: "bench.status", input: BENCH_INPUT }));
    });
  const latencies: number[] = [];
  const sequential = async (ms: number, record: boolean) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const started = performance.now();
      await roundTrip();
      if (record) latencies.push((performance.now() - started) * 1000);
    }
  };
  await sequential(options.warmupMs, false);
  await sequential(options.durationMs, true);
  let count = 0;
  const until = performance.now() + options.durationMs;
  const started = performance.now();
  await Promise.all(Array.from({ length: options.inFlight }, async () => {
    while (performance.now() < until) {
      await roundTrip();
      count += 1;
    }
  }));
  const perSec = count / ((performance.now() - started) / 1000);
  console.log(JSON.stringify({
    p50Us: percentile(latencies, 50),
    p99Us: percentile(latencies, 99),
    sequential: latencies.length,
    perSec,
  }));
  ws.onclose = null;
  ws.close();
}

if (import.meta.main) {
  const [mode, url, arg, extra] = Deno.args;
  if (mode === "spoke") await runSpokes(url, arg, Number(extra ?? 1));
  else if (mode === "echo") await runEcho(url, JSON.parse(arg));
  else {
    console.error("usage: _spoke_peer.ts spoke <url> <key> [count] | echo <url> <json>");
    Deno.exit(2);
  }
}
