/**
 * Time from process start to `/health` 200, on a fresh and on an existing data
 * dir, against a baseline measured in the same run: a bare `Deno.serve`
 * script started the same way answering its first request.
 *
 * `deno run -A bench/startup.ts [--runs N]`
 *
 * @module
 */
import { median, printTable, record } from "./_report.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1]) || 5;

const BARE =
  `Deno.serve({ port: 0, onListen: ({ port }) => console.log(port) }, () => new Response("ok"));`;

async function timeUntilHealthy(args: string[], bare = false): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: bare ? ["eval", BARE] : ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let url: string | undefined;
  let buffer = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error("process exited before listening");
    buffer += value;
    const match = bare ? buffer.match(/^(\d+)\n/) : buffer.match(/"url":"(http:[^"]+)"/);
    if (match) url = bare ? `http://127.0.0.1:${match[1]}` : match[1];
  }
  const drain = (async () => {
    while (!(await reader.read()).done);
  })();
  while (true) {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsed = performance.now() - started;
  child.kill("SIGTERM");
  await child.status;
  await drain;
  return elapsed;
}

const bare: number[] = [];
const existing: number[] = [];
const fresh: number[] = [];
const reused = await Deno.makeTempDir({ prefix: "hub_bench_" });
await timeUntilHealthy(["--port", "0", "--data-dir", reused]); // creates the data dir
for (let i = 0; i < runs; i++) {
  bare.push(await timeUntilHealthy([], true));
  existing.push(await timeUntilHealthy(["--port", "0", "--data-dir", reused]));
  const dir = await Deno.makeTempDir({ prefix: "hub_bench_" });
  fresh.push(await timeUntilHealthy(["--port", "0", "--data-dir", dir]));
  await Deno.remove(dir, { recursive: true });
}
await Deno.remove(reused, { recursive: true });

const result = {
  runs,
  bareServeMs: median(bare),
  existingDataDirMs: median(existing),
  freshDataDirMs: median(fresh),
  existingVsBare: median(existing) / median(bare),
  freshVsBare: median(fresh) / median(bare),
};
printTable("Start to /health 200 (median of " + runs + " runs)", [
  ["bare Deno.serve (baseline)", `${result.bareServeMs.toFixed(0)} ms`, "1.00×"],
  [
    "hub, existing data dir",
    `${result.existingDataDirMs.toFixed(0)} ms`,
    `${result.existingVsBare.toFixed(2)}×`,
  ],
  [
    "hub, fresh data dir",
    `${result.freshDataDirMs.toFixed(0)} ms`,
    `${result.freshVsBare.toFixed(2)}×`,
  ],
]);
record("startup", result);
