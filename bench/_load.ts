/**
 * A load generator run as its own process (so it never shares an event loop
 * with the server it measures): `deno run -A bench/_load.ts <json options>`.
 * Prints one JSON line: requests, failures, req/s, p50/p99 µs.
 *
 * @module
 */
import { percentile } from "./_report.ts";

interface LoadOptions {
  url: string;
  method: string;
  body?: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

const options = JSON.parse(Deno.args[0]) as LoadOptions;
const latencies: number[] = [];
let failures = 0;
let measuring = false;

async function worker(until: number): Promise<void> {
  while (performance.now() < until) {
    const started = performance.now();
    const response = await fetch(options.url, {
      method: options.method,
      body: options.body,
      headers: options.headers,
    });
    await response.arrayBuffer();
    if (!response.ok) failures += 1;
    if (measuring) latencies.push((performance.now() - started) * 1000);
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
  failures,
  reqPerSec: latencies.length / elapsedS,
  p50Us: percentile(latencies, 50),
  p99Us: percentile(latencies, 99),
}));
