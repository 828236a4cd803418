/** Shared reporting of the benchmarks: a table for people, one JSON line for `bench/run.ts`. */

/** The median of `values`. */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Prints a titled table of rows. */
export function printTable(title: string, rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log(`\n${title}`);
  for (const row of rows) {
    console.log("  " + row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
  }
}

/** Prints the machine-readable result line: `{"bench":"<name>",...}`. */
export function record(bench: string, result: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench, ...result }));
}

/** Latency and throughput of one call target. */
export interface CallResult {
  p50Us: number;
  p99Us: number;
  sequentialPerSec: number;
  concurrentPerSec: number;
}

/** How many calls {@linkcode measureCalls} makes. */
export interface CallCounts {
  sequential: number;
  inFlight: number;
  throughput: number;
}

/** `sequential` calls one at a time (latency), then `throughput` calls with `inFlight` at once. */
export async function measureCalls(
  call: () => Promise<unknown>,
  counts: CallCounts,
): Promise<CallResult> {
  const micros: number[] = [];
  const start = performance.now();
  for (let i = 0; i < counts.sequential; i++) {
    const t0 = performance.now();
    await call();
    micros.push((performance.now() - t0) * 1000);
  }
  const sequentialPerSec = counts.sequential / ((performance.now() - start) / 1000);
  const perLane = Math.ceil(counts.throughput / counts.inFlight);
  const t1 = performance.now();
  await Promise.all(Array.from({ length: counts.inFlight }, async () => {
    for (let i = 0; i < perLane; i++) await call();
  }));
  const concurrentPerSec = (perLane * counts.inFlight) / ((performance.now() - t1) / 1000);
  return {
    p50Us: percentile(micros, 50),
    p99Us: percentile(micros, 99),
    sequentialPerSec,
    concurrentPerSec,
  };
}
