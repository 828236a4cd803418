/**
 * Hub memory of 1,000 connected, registered, idle spokes: the hub's RSS (and
 * V8 heap) after a GC before they connect and after all have registered. The
 * spokes run in 4 child processes of 250 SDK spokes each, all offering
 * `bench.status` (one pool of 1,000 runners).
 *
 * `deno run -A bench/spoke_idle.ts [--spokes 1000]` (it re-runs itself with
 * `--v8-flags=--expose-gc`, so each reading follows a full GC).
 *
 * @module
 */
import { startHub } from "../src/supervisor/mod.ts";
import { printTable, record } from "./_report.ts";

const PEER = new URL("./_spoke_peer.ts", import.meta.url).pathname;
const spokesFlag = Deno.args.indexOf("--spokes");
const total = spokesFlag >= 0 ? Number(Deno.args[spokesFlag + 1]) : 1000;
const processes = 4;
const targetMb = 100;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname, ...Deno.args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(code);
}
async function memory() {
  for (let i = 0; i < 3; i++) {
    (gc as () => void)();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const usage = Deno.memoryUsage();
  return { rssMb: usage.rss / 2 ** 20, heapMb: usage.heapUsed / 2 ** 20 };
}

const dataDir = await Deno.makeTempDir({ prefix: "hub_bench_" });
const hub = await startHub({ flags: { port: 0, dataDir }, env: {}, logWrite: () => {} });
const { key } = await hub.keys.create(
  { name: "bench spokes", scopes: ["spoke"], metadata: { spokeNamespaces: ["bench"] } },
  { via: "system" },
);
const wsUrl = hub.url.replace(/^http/, "ws") + "/ws";
const children: Deno.ChildProcess[] = [];
try {
  // Warm the paths a registration takes (schema compilation, key lookup), then measure.
  const warm = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PEER, "spoke", wsUrl, key, "1"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  await readyLine(warm);
  warm.kill("SIGKILL");
  await warm.status;
  while (hub.spokes.stats().connections > 0) await new Promise((r) => setTimeout(r, 20));

  const before = await memory();
  const started = performance.now();
  for (let i = 0; i < processes; i++) {
    children.push(
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", PEER, "spoke", wsUrl, key, String(Math.ceil(total / processes))],
        stdout: "piped",
        stderr: "inherit",
      }).spawn(),
    );
  }
  await Promise.all(children.map(readyLine));
  const connectMs = performance.now() - started;
  const spokes = hub.spokes.stats().spokes;
  if (spokes < total) throw new Error(`only ${spokes} of ${total} spokes registered`);
  const after = await memory();
  const deltaMb = after.rssMb - before.rssMb;
  printTable(`${spokes} idle spokes: hub memory after a full GC`, [
    ["reading", "RSS MB", "heap MB"],
    ["before", before.rssMb.toFixed(1), before.heapMb.toFixed(1)],
    ["after", after.rssMb.toFixed(1), after.heapMb.toFixed(1)],
    ["delta", deltaMb.toFixed(1), (after.heapMb - before.heapMb).toFixed(1)],
    ["per spoke (KB)", (deltaMb * 1024 / spokes).toFixed(1), ""],
  ]);
  record("spoke_idle", {
    spokes,
    connectMs: Math.round(connectMs),
    before,
    after,
    deltaRssMb: Number(deltaMb.toFixed(1)),
    perSpokeKb: Number((deltaMb * 1024 / spokes).toFixed(1)),
    target: `deltaRssMb <= ${targetMb}`,
    met: deltaMb <= targetMb,
  });
} finally {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.status));
  await hub.stop();
  await Deno.remove(dataDir, { recursive: true });
}

async function readyLine(child: Deno.ChildProcess): Promise<void> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  for (let text = ""; !text.includes('"ready"');) {
    const { value, done } = await reader.read();
    if (done) throw new Error("a spoke process exited before its spokes were ready");
    text += value;
  }
  reader.releaseLock();
}
