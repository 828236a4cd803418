/**
 * `CallGraphStore`: persists a {@linkcode CallGraph} in the metagraph tables
 * and reads calls back once memory has let them go.
 *
 * - Every call is a node of one `graphs` row (`call-graph`), edges run from
 *   parent to child call. One row per call is the whole write cost: a graphs
 *   row per root call doubled it (PGlite maintains every index in WASM on
 *   the supervisor's thread). The caller's key is in each node's attributes.
 * - Node ids are `call:<request id>`: a primary-key lookup, and hubs that
 *   observe the same call write the same row. Status changes update the node's
 *   attributes; final states are never overwritten by `running`.
 * - Changes are buffered (latest state per call) and written every
 *   `flushIntervalMs` and on `close()`: one transaction per multi-row statement
 *   of at most `maxBatchRows` calls, yielding between them so requests are not
 *   stalled behind a long flush. Rows are upserts, so a failed flush keeps its rows and retries with doubling delay
 *   (capped at `maxRetryDelayMs`); beyond `maxPendingCalls` buffered calls the
 *   oldest are dropped and counted, so a database outage cannot exhaust memory.
 *
 * @module
 */
import type { OperationLog } from "@alkdev/operations";
import type { HubDb } from "../storage/mod.ts";
import type { CallGraph } from "./call_graph.ts";
import {
  buildTree,
  type CallRecord,
  type CallTree,
  type TreeBounds,
  treeBounds,
} from "./call_record.ts";
import { type PendingEdge, readSubtree, writeBatch } from "./_call_graph_sql.ts";
import { type CallGraphTypeIds, seedCallGraphTypes } from "./call_graph_types.ts";

/** Options of {@linkcode createCallGraphStore}. */
export interface CallGraphStoreOptions {
  db: HubDb;
  graph: CallGraph;
  /** Default 1000 ms. */
  flushIntervalMs?: number;
  /** Rows per INSERT statement; default 500. */
  maxBatchRows?: number;
  /** Calls buffered while writes fail; default 20 000. */
  maxPendingCalls?: number;
  /** Default 30 000 ms. */
  maxRetryDelayMs?: number;
  log?: OperationLog;
}

/** What one flush wrote. */
export interface FlushResult {
  calls: number;
  edges: number;
  statements: number;
}

/** Counters of a store. */
export interface CallGraphStoreStats {
  flushes: number;
  failures: number;
  consecutiveFailures: number;
  callsWritten: number;
  /** Calls dropped from a full buffer (never written). */
  dropped: number;
  pending: number;
}

/** Persists `options.graph`; seeds the call-graph types first. */
export async function createCallGraphStore(
  options: CallGraphStoreOptions,
): Promise<CallGraphStore> {
  const ids = await seedCallGraphTypes(options.db);
  return new CallGraphStore(options, ids);
}

/** A running store; build it with {@linkcode createCallGraphStore}. */
export class CallGraphStore {
  readonly #db: HubDb;
  readonly #graph: CallGraph;
  readonly #ids: CallGraphTypeIds;
  readonly #log?: OperationLog;
  readonly #intervalMs: number;
  readonly #maxRows: number;
  readonly #maxPending: number;
  readonly #maxDelayMs: number;
  readonly #stopWatching: () => void;
  #calls = new Map<string, CallRecord>();
  #edges = new Map<string, PendingEdge>();
  #flushing: Promise<FlushResult> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #stats = { flushes: 0, failures: 0, consecutiveFailures: 0, callsWritten: 0, dropped: 0 };

  /** Use {@linkcode createCallGraphStore}. */
  constructor(options: CallGraphStoreOptions, ids: CallGraphTypeIds) {
    this.#db = options.db;
    this.#graph = options.graph;
    this.#ids = ids;
    this.#log = options.log;
    this.#intervalMs = options.flushIntervalMs ?? 1000;
    this.#maxRows = options.maxBatchRows ?? 500;
    this.#maxPending = options.maxPendingCalls ?? 20_000;
    this.#maxDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.#stopWatching = this.#graph.onChange((call) => this.#enqueue(call));
    this.#schedule(this.#intervalMs);
  }

  /** Counters, for health and tests. */
  stats(): CallGraphStoreStats {
    return { ...this.#stats, pending: this.#calls.size };
  }

  /** Writes everything buffered now; rejects (keeping the rows for a retry) if the write fails. */
  flush(): Promise<FlushResult> {
    // One flush at a time, in order: a later state of a call must not be overtaken.
    const run = (this.#flushing ?? Promise.resolve()).catch(() => {}).then(() => this.#flushOnce());
    this.#flushing = run;
    return run;
  }

  /** Reads the call and its subtree from the database. */
  async load(requestId: string, bounds?: TreeBounds): Promise<CallTree | undefined> {
    const { maxDepth, maxNodes } = treeBounds(bounds);
    // One level and one row more than asked, so buildTree can tell where it cut.
    const rows = await readSubtree(this.#db, this.#ids, requestId, {
      maxDepth: maxDepth + 1,
      limit: maxNodes + 1,
    });
    const byId = new Map(rows.map((call) => [call.requestId, call]));
    const children = new Map<string, string[]>();
    for (const call of rows) {
      if (call.parentRequestId === undefined || call.requestId === requestId) continue;
      const list = children.get(call.parentRequestId) ?? [];
      list.push(call.requestId);
      children.set(call.parentRequestId, list);
    }
    return buildTree(requestId, (id) => byId.get(id), (id) => children.get(id) ?? [], bounds);
  }

  /** The call and its subtree: from memory when held, else from the database. */
  async getCall(requestId: string, bounds?: TreeBounds): Promise<CallTree | undefined> {
    return this.#graph.get(requestId, bounds) ?? await this.load(requestId, bounds);
  }

  /** Stops the timer and writes what is buffered (one last attempt). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    clearTimeout(this.#timer);
    await this.flush().catch(() => {}); // already logged; nothing more can be done
  }

  #enqueue(call: CallRecord): void {
    const known = this.#calls.has(call.requestId);
    this.#calls.set(call.requestId, call);
    if (!known && call.status === "running" && call.parentRequestId !== undefined) {
      this.#edges.set(call.requestId, {
        parentRequestId: call.parentRequestId,
        childRequestId: call.requestId,
      });
    }
    this.#trim();
  }

  #trim(): void {
    while (this.#calls.size > this.#maxPending) {
      const oldest = this.#calls.keys().next().value!;
      this.#calls.delete(oldest);
      this.#edges.delete(oldest);
      this.#stats.dropped += 1;
    }
  }

  async #flushOnce(): Promise<FlushResult> {
    const calls = this.#calls;
    const edges = this.#edges;
    if (calls.size === 0 && edges.size === 0) return { calls: 0, edges: 0, statements: 0 };
    this.#calls = new Map();
    this.#edges = new Map();
    try {
      const statements = await writeBatch(this.#db, this.#ids, [...calls.values()], [
        ...edges.values(),
      ], this.#maxRows);
      this.#stats.flushes += 1;
      this.#stats.callsWritten += calls.size;
      this.#stats.consecutiveFailures = 0;
      return { calls: calls.size, edges: edges.size, statements };
    } catch (error) {
      // Put the batch back under anything newer: newer states win, order is kept.
      for (const [id, call] of this.#calls) calls.set(id, call);
      for (const [id, edge] of this.#edges) edges.set(id, edge);
      this.#calls = calls;
      this.#edges = edges;
      this.#trim();
      this.#stats.failures += 1;
      this.#stats.consecutiveFailures += 1;
      this.#log?.warn("Cannot write the call graph: {message}; retrying ({failures} in a row)", {
        message: (error as Error).message,
        failures: this.#stats.consecutiveFailures,
        pending: this.#calls.size,
        dropped: this.#stats.dropped,
      });
      throw error;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(async () => {
      await this.flush().catch(() => {}); // logged in #flushOnce; the backoff below retries
      const failures = this.#stats.consecutiveFailures;
      this.#schedule(
        failures === 0
          ? this.#intervalMs
          : Math.min(this.#intervalMs * 2 ** failures, this.#maxDelayMs),
      );
    }, delayMs);
    Deno.unrefTimer(this.#timer);
  }
}
