import { sql } from "drizzle-orm";
import { type HubDb, llmUsage, type NewLlmUsageRow } from "../../storage/mod.ts";
import { logger } from "../../logging/mod.ts";

/** Options of {@linkcode UsageRecorder}. */
export interface UsageRecorderOptions {
  /** Longest a record waits before it is written (default 500 ms). */
  flushIntervalMs?: number;
  /** Records per insert; a full batch is written at once (default 500). */
  maxBatch?: number;
  /** Records kept while the database is failing; beyond it the oldest go (default 100 000). */
  maxQueued?: number;
}

/**
 * Writes one usage record per gateway request in batches: the request path
 * only pushes onto a queue. A failed write keeps its rows for the next flush;
 * `close()` writes what is left.
 */
export class UsageRecorder {
  readonly #db: HubDb;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  #queue: NewLlmUsageRow[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #recorded = 0;
  /** Records written or dropped (the queue holds the rest). */
  #written = 0;
  #busy = false;
  /** A write failed and its retry timer is armed: records only queue until it fires. */
  #retrying = false;
  #waiters: Array<{ count: number; resolve(): void }> = [];

  constructor(db: HubDb, options: UsageRecorderOptions = {}) {
    this.#db = db;
    this.#interval = options.flushIntervalMs ?? 500;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxQueued = options.maxQueued ?? 100_000;
  }

  /** Queues one record. */
  record(row: NewLlmUsageRow): void {
    this.#queue.push(row);
    this.#recorded++;
    if (this.#waiters.length > 0) {
      this.#waiters = this.#waiters.filter((w) => w.count > this.#recorded || void w.resolve());
    }
    if (this.#queue.length > this.#maxQueued) {
      this.#queue.shift();
      this.#written++;
    }
    const full = this.#queue.length >= this.#maxBatch && !this.#busy && !this.#retrying;
    if (this.#closed || full) void this.flush();
    else this.#arm(this.#interval);
  }

  /** Records queued since the start (written or not). */
  get recorded(): number {
    return this.#recorded;
  }

  /** Resolves once `count` records have been queued since the start (tests and drains). */
  whenRecorded(count: number): Promise<void> {
    if (this.#recorded >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Writes everything queued so far; resolves once it is stored (or failed and re-queued). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const upTo = this.#recorded;
    this.#flushing = this.#flushing.then(() => this.#write(upTo));
    return this.#flushing;
  }

  /** Writes what is left; later records are written at once. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delayMs);
  }

  // Writes the records queued up to record number `upTo`, one batch per
  // insert; records that arrive meanwhile wait for their own flush, so a
  // busy hub writes one batch per interval rather than inserting nonstop.
  async #write(upTo: number): Promise<void> {
    this.#busy = true;
    this.#retrying = false;
    try {
      while (this.#queue.length > 0 && this.#written < upTo) {
        const batch = this.#queue.splice(0, Math.min(this.#maxBatch, upTo - this.#written));
        try {
          await insertUsage(this.#db, batch);
          this.#written += batch.length;
        } catch (error) {
          // One bad row must not block every later record: write row by row; if
          // none goes in, the database is down and the batch waits for a retry.
          const refused = await this.#writeOneByOne(batch);
          if (refused.length === batch.length) {
            this.#queue.unshift(...batch);
            logger("llm").error("Cannot write {count} usage records (kept for retry): {error}", {
              count: batch.length,
              error,
            });
            this.#retrying = true;
            this.#arm(this.#interval * 4);
            return;
          }
          this.#written += batch.length;
          if (refused.length > 0) {
            logger("llm").error("Dropped {count} usage records the database refused: {ids}", {
              count: refused.length,
              ids: refused.map((row) => row.requestId),
            });
          }
        }
      }
    } finally {
      this.#busy = false;
    }
    if (this.#queue.length >= this.#maxBatch) void this.flush();
    else if (this.#queue.length > 0) this.#arm(this.#interval);
  }

  /** Inserts each row alone; returns the rows that failed. */
  async #writeOneByOne(batch: NewLlmUsageRow[]): Promise<NewLlmUsageRow[]> {
    const refused: NewLlmUsageRow[] = [];
    for (const row of batch) {
      await insertUsage(this.#db, [row]).catch(() => refused.push(row));
    }
    return refused;
  }
}

const MAX_TEXT = 256;
const MAX_INT = 2 ** 31 - 1;

/** Text as the database takes it: no NUL (jsonb refuses it), bounded length. */
function text(value: string): string;
function text(value: string | null | undefined): string | null;
function text(value: string | null | undefined): string | null {
  return value == null ? null : value.replaceAll("\u0000", "").slice(0, MAX_TEXT);
}

/** A count as an `integer` column takes it: whole, 0 ≤ n < 2³¹. */
function count(value: number | null | undefined): number {
  return Number.isFinite(value) ? Math.min(MAX_INT, Math.max(0, Math.round(value!))) : 0;
}

function milliseconds(value: number | null | undefined): number | null {
  return Number.isFinite(value) ? Math.max(0, value!) : null;
}

/**
 * One insert of many rows as a single `jsonb` parameter: on PGlite this is
 * ~2.5× cheaper than drizzle's multi-row insert (one bind parameter per
 * column and row), and it runs on the supervisor's thread.
 */
async function insertUsage(db: HubDb, rows: NewLlmUsageRow[]): Promise<void> {
  const json = JSON.stringify(rows.map((r) => ({
    // Client- and upstream-supplied values are cleaned so one odd request cannot fail a batch.
    request_id: text(r.requestId),
    client_request_id: text(r.clientRequestId),
    key_id: text(r.keyId),
    endpoint: text(r.endpoint),
    requested_model: text(r.requestedModel),
    provider: text(r.provider),
    model: text(r.model),
    stream: r.stream ?? false,
    input_tokens: count(r.inputTokens),
    output_tokens: count(r.outputTokens),
    usage_estimated: r.usageEstimated ?? false,
    status: count(r.status),
    error_code: text(r.errorCode),
    latency_ms: milliseconds(r.latencyMs) ?? 0,
    ttfc_ms: milliseconds(r.ttfcMs),
    attempts: count(r.attempts),
    started_at: r.startedAt,
  })));
  await db.execute(sql`
    insert into ${llmUsage} (request_id, client_request_id, key_id, endpoint, requested_model,
      provider, model, stream, input_tokens, output_tokens, usage_estimated, status, error_code,
      latency_ms, ttfc_ms, attempts, started_at)
    select request_id, client_request_id, key_id, endpoint, requested_model, provider, model,
      stream, input_tokens, output_tokens, usage_estimated, status, error_code, latency_ms, ttfc_ms,
      attempts, started_at
    from jsonb_to_recordset(${json}::jsonb) as x(request_id text, client_request_id text,
      key_id text, endpoint text, requested_model text, provider text, model text, stream boolean,
      input_tokens integer, output_tokens integer, usage_estimated boolean, status integer,
      error_code text, latency_ms double precision, ttfc_ms double precision, attempts integer,
      started_at timestamptz)`);
}
