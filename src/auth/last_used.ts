/**
 * Last-used times of API keys, written in batches: a request only records
 * the key id in memory, and a flusher writes every touched key in one
 * statement per interval. A write per request would double the database load
 * of authenticated traffic for a value nobody needs to the second.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { HubError } from "@hub/errors";
import { logger } from "../logging/mod.ts";
import type { HubDb } from "../storage/mod.ts";

/** Options of {@linkcode createLastUsedTracker}. */
export interface LastUsedTrackerOptions {
  /** Flush period in ms (default 10 000); 0 turns the timer off (flush by hand). */
  intervalMs?: number;
  /** Most key ids held between flushes, including ones a failed flush kept (default 10 000). */
  maxPending?: number;
  now?: () => Date;
}

/** Records key use in memory and writes it in batches. */
export interface LastUsedTracker {
  /** Records that `keyId` was used now. Never touches the database. */
  touch(keyId: string): void;
  /**
   * Writes every pending key in one statement; resolves to how many were
   * written. On failure the ids are kept for the next flush and it rejects
   * with `unavailable`.
   */
  flush(): Promise<number>;
  /** Stops the timer and flushes one last time (a failure is logged, not thrown). */
  close(): Promise<void>;
  /** Key ids waiting for the next flush. */
  readonly pending: number;
}

/** Starts a tracker whose timer flushes every `intervalMs` (unref'd: it never keeps a process alive). */
export function createLastUsedTracker(
  db: HubDb,
  options: LastUsedTrackerOptions = {},
): LastUsedTracker {
  const maxPending = options.maxPending ?? 10_000;
  const now = options.now ?? (() => new Date());
  const log = logger("auth", "last-used");
  // Insertion order is touch order, so trimming drops the stalest entries.
  let pending = new Map<string, number>();
  let running: Promise<number> | undefined;

  const record = (keyId: string, at: number) => {
    const previous = pending.get(keyId);
    pending.delete(keyId);
    pending.set(keyId, Math.max(at, previous ?? at));
    while (pending.size > maxPending) pending.delete(pending.keys().next().value!);
  };

  const write = async (): Promise<number> => {
    if (pending.size === 0) return 0;
    const batch = pending;
    pending = new Map();
    const rows = [...batch].map(([id, at]) => ({ id, at: new Date(at).toISOString() }));
    try {
      // One statement for the whole batch; greatest() keeps the newest time
      // when several hubs write the same key.
      await db.execute(sql`
        update api_keys set last_used_at = greatest(api_keys.last_used_at, v.at)
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id text, at timestamptz)
        where api_keys.id = v.id`);
      return rows.length;
    } catch (error) {
      // Touches that arrived during the write are newer: merge the batch under them.
      const newer = pending;
      pending = batch;
      for (const [id, at] of newer) record(id, at);
      const reason = causeOf(error);
      log.warn("Cannot record the last use of {count} API keys: {reason}; retrying later", {
        count: rows.length,
        reason,
      });
      throw new HubError("unavailable", `Cannot record API key use: ${reason}`, { cause: error });
    }
  };

  const flush = async (): Promise<number> => {
    // One flush at a time: a second caller waits, then writes what came in since.
    while (running) await running.catch(() => {});
    running = write();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const intervalMs = options.intervalMs ?? 10_000;
  const timer = intervalMs > 0 ? setInterval(() => flush().catch(() => {}), intervalMs) : undefined;
  if (timer !== undefined) Deno.unrefTimer(timer);

  return {
    touch: (keyId) => record(keyId, now().getTime()),
    flush,
    async close() {
      clearInterval(timer);
      await flush().catch(() => {
        log.warn("Lost the last use of {count} API keys at shutdown", { count: pending.size });
      });
    },
    get pending() {
      return pending.size;
    },
  };
}

/** The driver's message, not drizzle's: drizzle's own message repeats the query and its parameters. */
function causeOf(error: unknown): string {
  const inner = error instanceof Error && error.name === "DrizzleQueryError" && error.cause
    ? error.cause
    : error;
  return inner instanceof Error ? inner.message : String(inner);
}
