/**
 * Runs `bench/_load.ts` in its own process (so the load never shares an event
 * loop with the server it measures) and returns what it measured.
 *
 * @module
 */
import process from "node:process";

/** What one load run does. */
export interface LoadOptions {
  url: string;
  /** Default `POST`. */
  method?: string;
  body?: string;
  /** Sent with `content-type: application/json`. */
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Measure the time to the first body chunk (streams) instead of the whole response. */
  firstChunk?: boolean;
}

/** What one load run measured. */
export interface LoadResult {
  requests: number;
  /**
   * CPU time of THIS process (every thread) per request, warm-up included:
   * the server's cost when the server runs in the process that calls
   * {@linkcode runLoad} (the load itself runs elsewhere).
   */
  cpuUsPerRequest: number;
  failures: number;
  reqPerSec: number;
  p50Us: number;
  p99Us: number;
}

const LOAD = new URL("./_load.ts", import.meta.url).pathname;

/** Loads `options.url` from a separate process; rejects if the load process fails. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      LOAD,
      JSON.stringify({
        method: "POST",
        ...options,
        headers: { "content-type": "application/json", ...options.headers },
      }),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`Cannot load ${options.url}: the load process failed`);
  const cpu = process.cpuUsage(cpuBefore);
  const { total, ...result } = JSON.parse(
    new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!,
  );
  return { ...result, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, total) };
}
