/**
 * The harness of the pubsub transport benchmarks: each mode (the raw
 * mechanism first) at 100 B and 1 KB, best of `rounds`, as table rows and as
 * result fields with the transport and pubsub ratios to raw.
 */

/** Events/s of one mode at one payload size. */
export type RunMode<M extends string> = (mode: M, bytes: number) => Promise<number>;

/** Rows for `console.table` and the flat result of the JSON line. */
export interface TransportRounds {
  rows: Record<string, unknown>[];
  result: Record<string, number>;
}

/** Runs every mode `rounds` times per payload size and keeps the best of each. */
export async function bestOfRounds<M extends string>(
  labels: Record<M | "raw" | "transport" | "pubsub", string>,
  rounds: number,
  run: RunMode<M | "raw" | "transport" | "pubsub">,
): Promise<TransportRounds> {
  const modes = Object.keys(labels) as Array<keyof typeof labels>;
  const rows: Record<string, unknown>[] = [];
  const result: Record<string, number> = {};
  for (const bytes of [100, 1024]) {
    const best = Object.fromEntries(modes.map((mode) => [mode, 0])) as Record<string, number>;
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) best[mode] = Math.max(best[mode], await run(mode, bytes));
    }
    for (const mode of modes) {
      rows.push({
        payload: `${bytes} B`,
        path: labels[mode],
        "events/s": Math.round(best[mode]),
        "× raw": (best[mode] / best.raw).toFixed(2),
      });
      result[`${mode}_${bytes}b_events_per_s`] = Math.round(best[mode]);
    }
    result[`transport_ratio_${bytes}b`] = Number((best.transport / best.raw).toFixed(2));
    result[`pubsub_ratio_${bytes}b`] = Number((best.pubsub / best.raw).toFixed(2));
  }
  return { rows, result };
}
