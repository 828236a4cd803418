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
