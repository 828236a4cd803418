/**
 * The LLM gateway against calling the same fake upstream directly, in the
 * same run: added latency at 1 connection (p50/p99, non-streaming), added
 * time to first chunk of a stream, and throughput at 50 connections as a
 * ratio to direct. The fake upstream runs in its own process and the load in
 * another, so neither shares the hub's event loop. A bare proxy built the
 * same way (`Deno.serve` → Worker `fetch` → back; `_bare_proxy.ts`) is
 * measured alongside as the floor of this architecture on this machine.
 *
 * `deno run -A bench/llm_proxy.ts [--pool <n>] [--limits] [--rounds <n>] [--database-url <url>]`
 *
 * Each figure is the best of `--rounds` (3) rounds in which direct and hub
 * alternate: on a shared machine the best round is the least disturbed one.
 *
 * @module
 */
import { join } from "node:path";
import { startHub } from "../src/supervisor/mod.ts";
import { printTable, record } from "./_report.ts";
import { type LoadResult, runLoad } from "./_run_load.ts";
import { startBareProxy } from "./_bare_proxy.ts";

const FAKE = new URL("../tests/helpers/fake_openai.ts", import.meta.url).pathname;
const durationMs = 2000;
const poolFlag = Deno.args.indexOf("--pool");
const poolSize = poolFlag >= 0 ? Number(Deno.args[poolFlag + 1]) : 1;
const withLimits = Deno.args.includes("--limits");
const roundsFlag = Deno.args.indexOf("--rounds");
const rounds = roundsFlag >= 0 ? Number(Deno.args[roundsFlag + 1]) : 3;
// Usage records are written to the hub's database: PGlite by default, PostgreSQL with this flag.
const urlFlag = Deno.args.indexOf("--database-url");
const databaseUrl = urlFlag >= 0 ? Deno.args[urlFlag + 1] : undefined;

const load = (
  url: string,
  body: string,
  headers: Record<string, string>,
  concurrency: number,
  firstChunk = false,
): Promise<LoadResult> =>
  runLoad({ url, body, headers, concurrency, durationMs, warmupMs: 500, firstChunk });

// The fake upstream in its own process.
const fakeProcess = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", FAKE],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = fakeProcess.stdout.pipeThrough(new TextDecoderStream()).getReader();
let line = "";
while (!line.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("Cannot start the fake upstream: it exited");
  line += value;
}
reader.releaseLock();
const upstream = JSON.parse(line.split("\n")[0]).url as string;

const dataDir = await Deno.makeTempDir({ prefix: "hub_bench_llm_" });
const configPath = join(dataDir, "hub.json");
await Deno.writeTextFile(
  configPath,
  JSON.stringify({
    llm: {
      poolSize,
      providers: [{ name: "local", baseURL: upstream, apiKey: "sk-bench", models: ["fake-1"] }],
    },
  }),
);
const hub = await startHub({
  flags: { port: 0, dataDir, config: configPath, databaseUrl },
  env: {},
  logWrite: () => {},
});
// A key of its own: on a shared PostgreSQL the bootstrap admin key may belong to another run.
const { key: apiKey } = await hub.keys.create({
  name: "bench-llm",
  scopes: ["llm"],
  limits: withLimits ? { rpm: 1e9, tpm: 1e12, maxParallel: 1000 } : undefined,
}, { via: "cli" });
const auth = { authorization: `Bearer ${apiKey}` };
const direct = { authorization: "Bearer sk-bench" };
const messages = [{ role: "user", content: "Say hello in a few words, please." }];
const plain = JSON.stringify({ model: "fake-1", messages });
const streamed = JSON.stringify({ model: "fake-1", messages, stream: true });
const upstreamChat = `${upstream}/chat/completions`;
const hubChat = `${hub.url}/v1/chat/completions`;
const bareProxy = startBareProxy(`${upstream}/chat/completions`);

/** The best of each measurement over `rounds`, direct and hub alternating, so a noisy neighbour hurts both alike. */
function best(results: LoadResult[]): LoadResult {
  return {
    requests: Math.max(...results.map((r) => r.requests)),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
    reqPerSec: Math.max(...results.map((r) => r.reqPerSec)),
    p50Us: Math.min(...results.map((r) => r.p50Us)),
    p99Us: Math.min(...results.map((r) => r.p99Us)),
    cpuUsPerRequest: Math.min(...results.map((r) => r.cpuUsPerRequest)),
  };
}

try {
  // The hub asks upstream for usage on streams; ask the same directly so the bytes match.
  const directStreamBody = JSON.stringify({
    model: "fake-1",
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  const runs: Record<string, LoadResult[]> = {
    directOne: [],
    hubOne: [],
    directTtfc: [],
    hubTtfc: [],
    directMany: [],
    hubMany: [],
    bareOne: [],
    bareMany: [],
  };
  for (let round = 0; round < rounds; round++) {
    runs.directOne.push(await load(upstreamChat, plain, direct, 1));
    runs.hubOne.push(await load(hubChat, plain, auth, 1));
    runs.directTtfc.push(await load(upstreamChat, directStreamBody, direct, 1, true));
    runs.hubTtfc.push(await load(hubChat, streamed, auth, 1, true));
    runs.directMany.push(await load(upstreamChat, plain, direct, 50));
    runs.hubMany.push(await load(hubChat, plain, auth, 50));
    runs.bareOne.push(await load(bareProxy.url, plain, {}, 1));
    runs.bareMany.push(await load(bareProxy.url, plain, {}, 50));
  }
  const directOne = best(runs.directOne);
  const hubOne = best(runs.hubOne);
  const directTtfc = best(runs.directTtfc);
  const hubTtfc = best(runs.hubTtfc);
  const directMany = best(runs.directMany);
  const hubMany = best(runs.hubMany);
  const bareOne = best(runs.bareOne);
  const bareMany = best(runs.bareMany);
  const failures = hubOne.failures + hubTtfc.failures + hubMany.failures;
  if (failures > 0) throw new Error(`${failures} hub requests failed during the bench`);
  const result = {
    poolSize,
    rounds,
    limits: withLimits,
    storage: databaseUrl ? "postgres" : "pglite",
    direct: {
      p50Us: directOne.p50Us,
      p99Us: directOne.p99Us,
      ttfcP50Us: directTtfc.p50Us,
      ttfcP99Us: directTtfc.p99Us,
      reqPerSec50: directMany.reqPerSec,
    },
    hub: {
      p50Us: hubOne.p50Us,
      p99Us: hubOne.p99Us,
      ttfcP50Us: hubTtfc.p50Us,
      ttfcP99Us: hubTtfc.p99Us,
      reqPerSec50: hubMany.reqPerSec,
      cpuUsPerRequest50: hubMany.cpuUsPerRequest,
    },
    bareProxy: {
      p50Us: bareOne.p50Us,
      p99Us: bareOne.p99Us,
      reqPerSec50: bareMany.reqPerSec,
      cpuUsPerRequest50: bareMany.cpuUsPerRequest,
    },
    addedP50Us: hubOne.p50Us - directOne.p50Us,
    addedP99Us: hubOne.p99Us - directOne.p99Us,
    addedTtfcP50Us: hubTtfc.p50Us - directTtfc.p50Us,
    throughputRatio: hubMany.reqPerSec / directMany.reqPerSec,
    bareProxyAddedP50Us: bareOne.p50Us - directOne.p50Us,
    bareProxyThroughputRatio: bareMany.reqPerSec / directMany.reqPerSec,
  };
  const us = (n: number) => n.toFixed(0);
  const title = `LLM gateway vs direct upstream (pool ${poolSize}, ${result.storage}${
    withLimits ? ", limits" : ""
  })`;
  printTable(title, [
    [
      "target",
      "p50 µs",
      "p99 µs",
      "TTFC p50 µs",
      "TTFC p99 µs",
      "req/s (50 conns)",
      "CPU µs/req",
    ],
    [
      "direct upstream",
      us(directOne.p50Us),
      us(directOne.p99Us),
      us(directTtfc.p50Us),
      us(directTtfc.p99Us),
      us(directMany.reqPerSec),
      "",
    ],
    [
      "through the hub",
      us(hubOne.p50Us),
      us(hubOne.p99Us),
      us(hubTtfc.p50Us),
      us(hubTtfc.p99Us),
      us(hubMany.reqPerSec),
      us(hubMany.cpuUsPerRequest),
    ],
    [
      "bare proxy (floor)",
      us(bareOne.p50Us),
      us(bareOne.p99Us),
      "",
      "",
      us(bareMany.reqPerSec),
      us(bareMany.cpuUsPerRequest),
    ],
    [
      "hub added / ratio",
      us(result.addedP50Us),
      us(result.addedP99Us),
      us(result.addedTtfcP50Us),
      us(hubTtfc.p99Us - directTtfc.p99Us),
      `${result.throughputRatio.toFixed(2)}×`,
      "",
    ],
    [
      "bare added / ratio",
      us(result.bareProxyAddedP50Us),
      us(bareOne.p99Us - directOne.p99Us),
      "",
      "",
      `${result.bareProxyThroughputRatio.toFixed(2)}×`,
      "",
    ],
  ]);
  record("llm_proxy", result);
} finally {
  await hub.stop();
  await bareProxy.close();
  fakeProcess.kill();
  await fakeProcess.status;
  await Deno.remove(dataDir, { recursive: true });
}
