/**
 * Resident memory (VmRSS from /proc/<pid>/status) of an idle hub process on
 * each storage driver, against floors measured in the same run: a bare
 * `Deno.serve` script, and a bare script holding PGlite open on the same data
 * dir with PGlite's default settings. The hub is started as
 * `deno run -A src/main.ts serve`, waited on until `/health` answers 200, and
 * RSS is read twice: after `--idle-ms` (3 s) and once V8 has had time to
 * collect the garbage of startup (`--settled-ms`, 20 s; its memory reducer
 * runs after about 10 s without work).
 *
 * `deno run -A bench/idle_rss.ts [--runs N] [--idle-ms N] [--settled-ms N] [--main path]`;
 * PostgreSQL is measured too when `HUB_TEST_DATABASE_URL` is set. `--main`
 * measures another checkout's `src/main.ts` (a before/after comparison).
 *
 * @module
 */
import { median, printTable, record } from "./_report.ts";

const flag = (name: string) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
};
const MAIN = flag("--main") ?? new URL("../src/main.ts", import.meta.url).pathname;
const FLOOR = new URL("./_pglite_floor.ts", import.meta.url).pathname;
const runs = Number(flag("--runs")) || 3;
const idleMs = Number(flag("--idle-ms")) || 3000;
const settledMs = Math.max(idleMs, Number(flag("--settled-ms")) || 20_000);
const databaseUrl = Deno.env.get("HUB_TEST_DATABASE_URL") || undefined;

const BARE =
  `Deno.serve({ port: 0, onListen: ({ port }) => console.log("http://127.0.0.1:" + port) }, () => new Response("ok"));`;

/** What to spawn, and how to tell it is ready. */
interface Target {
  args: string[];
  /** The first stdout match: a URL to poll `/health` on, or any line when `null`. */
  ready: RegExp;
  health: boolean;
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]);
}

/** RSS in MiB after `idleMs` and after `settledMs` of idling. */
interface Sample {
  idle: number;
  settled: number;
}

async function idleRssMiB(target: Target): Promise<Sample> {
  const cleanEnv = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("HUB_")),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: target.args,
    env: { ...cleanEnv, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let match: RegExpMatchArray | null = null;
  while (!match) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${target.args.join(" ")} exited before it was ready`);
    buffer += value;
    match = buffer.match(target.ready);
  }
  const drain = (async () => {
    while (!(await reader.read()).done);
  })();
  if (target.health) {
    while (true) {
      const response = await fetch(`${match[1]}/health`).catch(() => undefined);
      await response?.body?.cancel();
      if (response?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const idle = rssKiB(child.pid) / 1024;
  await new Promise((resolve) => setTimeout(resolve, settledMs - idleMs));
  const settled = rssKiB(child.pid) / 1024;
  child.kill("SIGTERM");
  await child.status;
  await drain;
  return { idle, settled };
}

const hub = (...args: string[]): Target => ({
  args: ["run", "-A", MAIN, "serve", "--port", "0", ...args],
  ready: /"url":"(http:[^"]+)"/,
  health: true,
});

const samples: Record<string, Sample[]> = {
  bare: [],
  pgliteFloor: [],
  pgliteFresh: [],
  pgliteExisting: [],
  postgres: [],
};
const existing = await Deno.makeTempDir({ prefix: "hub_bench_" });
await idleRssMiB(hub("--data-dir", existing)); // creates and initialises the data dir
for (let i = 0; i < runs; i++) {
  samples.bare.push(
    await idleRssMiB({ args: ["eval", BARE], ready: /^(http:\S+)\n/, health: true }),
  );
  samples.pgliteExisting.push(await idleRssMiB(hub("--data-dir", existing)));
  samples.pgliteFloor.push(
    await idleRssMiB({
      args: ["run", "-A", FLOOR, `${existing}/pgdata`],
      ready: /^open\n/,
      health: false,
    }),
  );
  const fresh = await Deno.makeTempDir({ prefix: "hub_bench_" });
  samples.pgliteFresh.push(await idleRssMiB(hub("--data-dir", fresh)));
  await Deno.remove(fresh, { recursive: true });
  if (databaseUrl) {
    const dir = await Deno.makeTempDir({ prefix: "hub_bench_" });
    samples.postgres.push(
      await idleRssMiB(hub("--data-dir", dir, "--database-url", databaseUrl)),
    );
    await Deno.remove(dir, { recursive: true });
  }
}
await Deno.remove(existing, { recursive: true });

const mib = (values: Sample[], key: keyof Sample) =>
  values.length ? Math.round(median(values.map((value) => value[key]))) : null;
const names = {
  bare: "bare Deno.serve (baseline)",
  pgliteFloor: "bare PGlite open, default settings, existing data dir",
  pgliteExisting: "hub on PGlite, existing data dir",
  pgliteFresh: "hub on PGlite, fresh data dir (first start)",
  postgres: "hub on PostgreSQL",
};
const result: Record<string, unknown> = { runs, idleMs, settledMs };
const rows = [["", `after ${idleMs / 1000} s`, `after ${settledMs / 1000} s`]];
for (const [key, name] of Object.entries(names)) {
  const idle = mib(samples[key], "idle");
  const settled = mib(samples[key], "settled");
  result[`${key}MiB`] = idle;
  result[`${key}SettledMiB`] = settled;
  rows.push([
    name,
    idle === null ? "not measured" : `${idle} MiB`,
    settled === null ? "" : `${settled} MiB`,
  ]);
}
printTable(`Idle RSS after /health 200 (median of ${runs} runs)`, rows);
record("idle_rss", result);
