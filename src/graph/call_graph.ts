/**
 * `CallGraph`: the live call graph, on graphology. It observes the call
 * protocol on a pubsub (`call.*` of every id), and with `observe(caller)` the
 * calls a caller runs directly, and keeps one node per call and an edge from
 * each parent call to its children.
 *
 * Memory policy: trees are evicted whole, by root. A tree is finished once
 * none of its calls runs; finished trees are evicted oldest first beyond
 * `maxFinishedRoots` (default 1000) or `finishedTtlMs` after they finished
 * (default 10 min). Above `maxNodes` (default 50 000) the oldest trees go even
 * if still running. A call still running `staleGraceMs` after its deadline
 * (its terminal event was lost) is marked `timeout`. Persist with
 * `CallGraphStore` to keep evicted calls readable.
 *
 * @module
 */
import { DirectedGraph } from "graphology";
import type { PubSub } from "@alkdev/pubsub";
import type {
  CallEnd,
  Caller,
  CallEventMap,
  CallRequested,
  OperationLog,
} from "@alkdev/operations";
import { buildTree, type CallRecord, type CallTree, type TreeBounds } from "./call_record.ts";
import { observeCalls } from "./_observe_calls.ts";
import { RootIndex } from "./_roots.ts";

/** Options of {@linkcode CallGraph}. */
export interface CallGraphOptions {
  pubsub: PubSub<CallEventMap>;
  maxFinishedRoots?: number;
  finishedTtlMs?: number;
  maxNodes?: number;
  staleGraceMs?: number;
  /** How often stale calls and expired trees are swept; default 10 000 ms. */
  sweepIntervalMs?: number;
  /** Where failures of listeners and of recording are reported; default the console. */
  log?: OperationLog;
}

/** Told about every new or changed call (a fresh snapshot each time). */
export type CallGraphListener = (call: CallRecord) => void;

// Terminal events that arrive before their request (separate subscriptions do
// not preserve order across event types) wait here, bounded.
const MAX_EARLY = 10_000;

/** The in-memory call graph. */
export class CallGraph {
  readonly #graph = new DirectedGraph<CallRecord>({ allowSelfLoops: false });
  readonly #roots = new RootIndex();
  readonly #running = new Set<string>();
  readonly #early = new Map<string, CallEnd>();
  readonly #listeners = new Set<CallGraphListener>();
  readonly #options: Required<Omit<CallGraphOptions, "pubsub" | "log">>;
  readonly #log?: OperationLog;
  readonly #observing: { close(): Promise<void> };
  readonly #callers = new Set<() => void>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(options: CallGraphOptions) {
    this.#options = {
      maxFinishedRoots: options.maxFinishedRoots ?? 1000,
      finishedTtlMs: options.finishedTtlMs ?? 10 * 60_000,
      maxNodes: options.maxNodes ?? 50_000,
      staleGraceMs: options.staleGraceMs ?? 5_000,
      sweepIntervalMs: options.sweepIntervalMs ?? 10_000,
    };
    this.#log = options.log;
    this.#observing = observeCalls(options.pubsub, {
      requested: (request, location) => this.#start(request, location),
      ended: (terminal) => this.#end(terminal),
    }, options.log);
    this.#timer = setInterval(() => this.sweep(), this.#options.sweepIntervalMs);
    // A sweeper must never keep the process alive on its own.
    Deno.unrefTimer(this.#timer);
  }

  /** Calls held in memory. */
  get size(): number {
    return this.#graph.order;
  }

  /** One call, if held. */
  record(requestId: string): CallRecord | undefined {
    return this.#graph.hasNode(requestId) ? this.#graph.getNodeAttributes(requestId) : undefined;
  }

  /** The call and its subtree, bounded; `undefined` when not held in memory. */
  get(requestId: string, bounds?: TreeBounds): CallTree | undefined {
    return buildTree(
      requestId,
      (id) => this.record(id),
      (id) => this.#graph.outNeighbors(id),
      bounds,
    );
  }

  /** Calls `listener` for every recorded change; returns the function that stops it. */
  onChange(listener: CallGraphListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Marks stale calls `timeout` and evicts trees beyond the policy; runs on a timer too. */
  sweep(now = Date.now()): void {
    for (const requestId of [...this.#running]) {
      const call = this.record(requestId);
      if (call && now > call.deadline + this.#options.staleGraceMs) {
        this.#end({ requestId, status: "timeout", errorCode: "timeout", at: now });
      }
    }
    for (const [requestId, terminal] of this.#early) {
      if (now - terminal.at < 60_000) break;
      this.#early.delete(requestId);
    }
    this.#evict(now);
  }

  /**
   * Also records the calls `caller` makes that never reach the bus: those it
   * runs directly in this process and those refused before dispatch. Returns
   * the function that stops.
   */
  observe(caller: Caller): () => void {
    const stop = caller.observe({
      requested: (request, location) => this.#start(request, location),
      ended: (end) => this.#end(end),
    });
    this.#callers.add(stop);
    return () => {
      this.#callers.delete(stop);
      stop();
    };
  }

  /** Stops observing and sweeping. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const stop of this.#callers) stop();
    this.#callers.clear();
    await this.#observing.close();
  }

  #start(request: CallRequested, location: string): void {
    const { requestId, parentRequestId } = request;
    if (this.#graph.hasNode(requestId)) return; // duplicate delivery
    const parent = parentRequestId === undefined ? undefined : this.record(parentRequestId);
    const { clientRequestId } = request;
    const call: CallRecord = {
      requestId,
      ...(clientRequestId === undefined ? {} : { clientRequestId }),
      ...(parentRequestId === undefined ? {} : { parentRequestId }),
      // The parent's tree wins over what the request claims, so edges stay inside one tree.
      rootRequestId: parent?.rootRequestId ?? request.rootRequestId ?? parentRequestId ?? requestId,
      operation: request.operation,
      location,
      ...(request.identity.keyId === undefined ? {} : { callerKeyId: request.identity.keyId }),
      via: request.identity.via,
      status: "running",
      startedAt: Date.now(),
      deadline: request.deadline,
    };
    // Frozen: records are handed to listeners and readers, who must not change the graph.
    Object.freeze(call);
    this.#graph.addNode(requestId, call);
    if (parent) this.#graph.addEdge(parent.requestId, requestId);
    this.#roots.add(call.rootRequestId, requestId);
    this.#running.add(requestId);
    this.#emit(call);
    const early = this.#early.get(requestId);
    if (early) {
      this.#early.delete(requestId);
      this.#end(early);
    }
    if (this.#graph.order > this.#options.maxNodes) this.#evict(Date.now());
  }

  #end(terminal: CallEnd): void {
    const call = this.record(terminal.requestId);
    if (!call) {
      if (this.#early.size >= MAX_EARLY) this.#early.delete(this.#early.keys().next().value!);
      this.#early.set(terminal.requestId, terminal);
      return;
    }
    if (call.status !== "running") return; // the first end wins (caller timeout vs late answer)
    const ended: CallRecord = Object.freeze({
      ...call,
      status: terminal.status,
      endedAt: terminal.at,
      durationMs: Math.max(0, terminal.at - call.startedAt),
      ...(terminal.errorCode === undefined ? {} : { errorCode: terminal.errorCode }),
      ...(terminal.runner === undefined ? {} : { runner: terminal.runner }),
    });
    this.#graph.replaceNodeAttributes(call.requestId, ended);
    this.#running.delete(call.requestId);
    this.#roots.end(call.rootRequestId, terminal.at);
    this.#emit(ended);
    this.#evict(terminal.at);
  }

  #evict(now: number): void {
    const { maxFinishedRoots, finishedTtlMs, maxNodes } = this.#options;
    for (let oldest = this.#roots.oldestFinished(); oldest; oldest = this.#roots.oldestFinished()) {
      const [rootId, finishedAt] = oldest;
      const expired = now - finishedAt > finishedTtlMs;
      if (
        !expired && this.#roots.finishedCount <= maxFinishedRoots && this.#graph.order <= maxNodes
      ) break;
      this.#drop(rootId);
    }
    while (this.#graph.order > maxNodes) {
      const rootId = this.#roots.oldest();
      if (rootId === undefined) break;
      this.#drop(rootId);
    }
  }

  #drop(rootId: string): void {
    for (const requestId of this.#roots.remove(rootId)) {
      if (this.#graph.hasNode(requestId)) this.#graph.dropNode(requestId);
      this.#running.delete(requestId);
    }
  }

  #emit(call: CallRecord): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(call);
      } catch (error) {
        // Not reportError: in Deno an unhandled one ends the process; a listener bug must not.
        if (this.#log) this.#log.error("Call graph listener failed: {error}", { error });
        else console.error("Call graph listener failed:", error);
      }
    }
  }
}
