/**
 * A load generator run as its own process (so it never shares an event loop
 * with the server it measures): `deno run -A bench/_load.ts <json options>`.
 * Prints one JSON line: requests (measured), total (warm-up included),
 * failures, req/s, p50/p99 µs.
 *
 * @module
 */
import { percentile } from "./_report.ts";
import type { LoadOptions } from "./_run_load.ts";

const options = JSON.parse(Deno.args[0]) as Required<Pick<LoadOptions, "method">> & LoadOptions;
const latencies: number[] = [];
let failures = 0;
let total = 0;
let measuring = false;

async function worker(until: number): Promise<void> {
  while (performance.now() < until) {
    const started = performance.now();
    const response = await fetch(options.url, {
      method: options.method,
      body: options.body,
      headers: options.headers,
    });
    let elapsed: number;
    if (options.firstChunk && response.body) {
      const reader = response.body.getReader();
      await reader.read();
      elapsed = performance.now() - started;
      while (!(await reader.read()).done);
    } else {
      await response.arrayBuffer();
      elapsed = performance.now() - started;
    }
    total += 1;
    if (!response.ok) failures += 1;
    if (measuring) latencies.push(elapsed * 1000);
  }
}

const run = (ms: number) =>
  Promise.all(Array.from({ length: options.concurrency }, () => worker(performance.now() + ms)));
await run(options.warmupMs);
measuring = true;
const started = performance.now();
await run(options.durationMs);
const elapsedS = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  requests: latencies.length,
  total,
  failures,
  reqPerSec: latencies.length / elapsedS,
  p50Us: percentile(latencies, 50),
  p99Us: percentile(latencies, 99),
}));
