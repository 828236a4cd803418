/**
 * An authenticated operation call over HTTP (bearer auth, input and output
 * validation, dispatch through the call protocol, call-graph record) against
 * a bare `Deno.serve` JSON echo, in the same run, loaded by a separate
 * process: req/s with 50 connections and p50 at 1 connection. A Hono echo
 * behind the same middleware (`_hono_floor.ts`) shows what the framework
 * and auth alone cost.
 *
 * `deno run -A bench/http_call.ts`
 *
 * @module
 */
import { join } from "node:path";
import { startHub } from "../src/supervisor/mod.ts";
import { printTable, record } from "./_report.ts";
import { type LoadResult, runLoad } from "./_run_load.ts";
import { startHonoFloor } from "./_hono_floor.ts";

const durationMs = 3000;

/** Throughput and CPU at 50 connections, latency at 1. */
const summary = (many: LoadResult, one: LoadResult) => ({
  reqPerSec50: many.reqPerSec,
  cpuUsPerRequest50: many.cpuUsPerRequest,
  p50Us: one.p50Us,
  p99Us: one.p99Us,
});

const load = (url: string, headers: Record<string, string>, concurrency: number) =>
  runLoad({ url, body: "{}", headers, concurrency, durationMs, warmupMs: 1000 });

const bare = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
  const body = await request.json();
  return Response.json({ requestId: crypto.randomUUID(), output: body });
});
const bareUrl = `http://127.0.0.1:${(bare.addr as Deno.NetAddr).port}/echo`;

const dataDir = await Deno.makeTempDir({ prefix: "hub_bench_" });
// `--database-url <url>` measures the hub on PostgreSQL instead of embedded PGlite.
const urlFlag = Deno.args.indexOf("--database-url");
const databaseUrl = urlFlag >= 0 ? Deno.args[urlFlag + 1] : undefined;
const noAccessLog = Deno.args.includes("--no-access-log");
const hub = await startHub({
  // `--no-access-log` measures the hub without its per-request access line.
  flags: { port: 0, dataDir, databaseUrl, ...(noAccessLog ? { accessLog: false } : {}) },
  env: {},
  logWrite: () => {},
});
const adminKey = (await Deno.readTextFile(join(dataDir, "admin.key"))).trim();
const hubUrl = `${hub.url}/api/v1/operations/hub.status`;
const auth = { authorization: `Bearer ${adminKey}` };
const floor = startHonoFloor(adminKey);

try {
  const bareMany = await load(bareUrl, {}, 50);
  const floorMany = await load(floor.url, auth, 50);
  const hubMany = await load(hubUrl, auth, 50);
  const bareOne = await load(bareUrl, {}, 1);
  const floorOne = await load(floor.url, auth, 1);
  const hubOne = await load(hubUrl, auth, 1);
  if (hubMany.failures + hubOne.failures + floorMany.failures > 0) {
    throw new Error("calls failed during the bench");
  }
  const result = {
    bare: summary(bareMany, bareOne),
    honoFloor: summary(floorMany, floorOne),
    hub: summary(hubMany, hubOne),
    throughputRatio: hubMany.reqPerSec / bareMany.reqPerSec,
    p50Ratio: hubOne.p50Us / bareOne.p50Us,
    honoFloorThroughputRatio: floorMany.reqPerSec / bareMany.reqPerSec,
  };
  printTable("Operation call over HTTP vs bare Deno.serve echo", [
    ["target", "req/s (50 conns)", "CPU µs/req (50 conns)", "p50 µs (1 conn)", "p99 µs (1 conn)"],
    [
      "bare Deno.serve echo",
      bareMany.reqPerSec.toFixed(0),
      bareMany.cpuUsPerRequest.toFixed(0),
      bareOne.p50Us.toFixed(0),
      bareOne.p99Us.toFixed(0),
    ],
    [
      "Hono + auth echo (floor)",
      floorMany.reqPerSec.toFixed(0),
      floorMany.cpuUsPerRequest.toFixed(0),
      floorOne.p50Us.toFixed(0),
      floorOne.p99Us.toFixed(0),
    ],
    [
      "hub POST hub.status",
      hubMany.reqPerSec.toFixed(0),
      hubMany.cpuUsPerRequest.toFixed(0),
      hubOne.p50Us.toFixed(0),
      hubOne.p99Us.toFixed(0),
    ],
    [
      "hub / bare",
      `${result.throughputRatio.toFixed(2)}×`,
      "",
      `${result.p50Ratio.toFixed(2)}×`,
      "",
    ],
    ["floor / bare", `${result.honoFloorThroughputRatio.toFixed(2)}×`, "", "", ""],
  ]);
  record("http_call", { storage: databaseUrl ? "postgres" : "pglite", ...result });
} finally {
  await hub.stop();
  await floor.close();
  await bare.shutdown();
  await Deno.remove(dataDir, { recursive: true });
}
