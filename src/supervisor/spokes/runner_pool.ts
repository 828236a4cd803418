/**
 * `RunnerPool`: dispatch of spoke operations. Every spoke operation is
 * registered at one location (`{ kind: "spoke", id: "spokes" }`); the pool
 * listens for `call.requested` there and sends each call to the least-loaded
 * connected spoke that offers the operation and is under its `maxInFlight`
 * (the spoke's, and the operation's own). Beyond that, calls queue — bounded
 * per operation, and never past their deadline. Answers from the spoke are
 * published back as `call.responded` / `call.error`, so callers, the call
 * graph, HTTP and MCP work unchanged.
 *
 * A spoke that leaves fails its calls with `unavailable` at once; an
 * `idempotent` call is retried once on another spoke.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import {
  type CallEventMap,
  type CallRequested,
  isCallEvent,
  listen,
  type Listening,
  type OperationDefinition,
  type OperationLocation,
  type OperationLog,
  type OperationRegistry,
} from "@alkdev/operations";
import { HubError, type SerializedError } from "@hub/errors";
import { DEFAULT_MAX_FRAME_BYTES, encodeMessage } from "../../spoke/mod.ts";
import type { ParsedOperation } from "./registration.ts";

/** An answer from a spoke. */
export type Outcome = { output: unknown } | { error: SerializedError };

/** The location every spoke operation is registered at. */
export const SPOKES_LOCATION: OperationLocation = Object.freeze({ kind: "spoke", id: "spokes" });

/** What the pool needs from a spoke connection. */
export interface Runner {
  readonly id: string;
  readonly name: string;
  readonly maxInFlight: number;
  /** Calls running on this spoke now. */
  inFlight: number;
  /** Set by a graceful close: no new calls. */
  draining: boolean;
  /** Sends one hub → spoke message; false when the connection is gone. */
  send(type: "call.requested" | "call.aborted", id: string, payload: unknown): boolean;
  /** Sends one message already encoded (a call's frame, encoded once for every attempt). */
  sendFrame(frame: string): boolean;
}

interface Offer {
  readonly runner: Runner;
  readonly pool: Pool;
  readonly maxInFlight: number;
  inFlight: number;
}

interface Pool {
  readonly name: string;
  readonly operation: ParsedOperation;
  readonly offers: Map<string, Offer>;
  readonly queue: Job[];
}

interface Job {
  readonly request: CallRequested;
  /** The encoded `call.requested` message, checked against the frame limit once. */
  readonly frame: string;
  readonly queuedAt: number;
  attempts: number;
  offer?: Offer;
  /** The caller stopped waiting; the slot is held until the spoke answers. */
  aborted: boolean;
}

/** Options of {@linkcode RunnerPool}. */
export interface RunnerPoolOptions {
  pubsub: PubSub<CallEventMap>;
  registry: OperationRegistry;
  log?: OperationLog;
  /** Calls of one operation waiting for a free spoke; more are refused `unavailable`. Default 256. */
  maxQueued?: number;
  /** After a deadline, how long a spoke may take to answer before the hub answers `timeout`. Default 1000. */
  deadlineGraceMs?: number;
  /** The most UTF-8 bytes of one frame to a spoke; a bigger call fails `payload_too_large`. Default 1 MiB. */
  maxFrameBytes?: number;
}

/** Counters of {@linkcode RunnerPool.stats}. */
export interface RunnerPoolStats {
  inFlight: number;
  queued: number;
  dispatched: number;
  retried: number;
  /**
   * Answers for calls the hub does not know (including those it gave up on at
   * deadline + grace and forgot), or that ran on another spoke.
   */
  unknownResults: number;
  /** Answers after the caller stopped waiting (aborted, timed out) but before the hub gave up. */
  lateResults: number;
}

/** Dispatches spoke operations to connected spokes. */
export class RunnerPool {
  readonly #pubsub: PubSub<CallEventMap>;
  readonly #registry: OperationRegistry;
  readonly #log?: OperationLog;
  readonly #maxQueued: number;
  readonly #graceMs: number;
  readonly #maxFrameBytes: number;
  readonly #pools = new Map<string, Pool>();
  readonly #offersOf = new Map<Runner, Map<string, Offer>>();
  readonly #jobs = new Map<string, Job>();
  readonly #listening: Listening[];
  readonly #sweeper: ReturnType<typeof setInterval>;
  #closed = false;
  #counts = { dispatched: 0, retried: 0, unknownResults: 0, lateResults: 0 };

  constructor(options: RunnerPoolOptions) {
    this.#pubsub = options.pubsub;
    this.#registry = options.registry;
    this.#log = options.log;
    this.#maxQueued = options.maxQueued ?? 256;
    this.#graceMs = options.deadlineGraceMs ?? 1000;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#listening = [
      listen(this.#pubsub, "call.requested", ({ payload }) => {
        if (isCallEvent("call.requested", payload)) this.#onRequest(payload);
      }, { id: SPOKES_LOCATION.id, log: this.#log }),
      listen(this.#pubsub, "call.aborted", ({ payload }) => {
        if (isCallEvent("call.aborted", payload)) this.#onAbort(payload.requestId, payload.reason);
      }, { log: this.#log }),
    ];
    this.#sweeper = setInterval(() => this.#sweep(), 500);
    Deno.unrefTimer(this.#sweeper);
  }

  /** The offered spec of `name`, if some spoke offers it. */
  offered(name: string): ParsedOperation | undefined {
    return this.#pools.get(name)?.operation;
  }

  /** Names of the operations `runner` offers. */
  operationsOf(runner: Runner): string[] {
    return [...(this.#offersOf.get(runner)?.keys() ?? [])];
  }

  /** Adds `runner` with its operations; they must have been checked (see registration.ts). */
  add(runner: Runner, operations: readonly ParsedOperation[]): void {
    if (this.#closed) throw new HubError("unavailable", "Cannot add spoke: the hub is stopping");
    const offers = new Map<string, Offer>();
    this.#offersOf.set(runner, offers);
    for (const operation of operations) {
      const name = operation.spec.name;
      let pool = this.#pools.get(name);
      if (!pool) {
        pool = { name, operation, offers: new Map(), queue: [] };
        this.#pools.set(name, pool);
        // The registry takes a definition-shaped value: spec and validators compiled once,
        // in registration.ts; the handler never runs (calls are dispatched over the bus).
        this.#registry.register(
          {
            spec: operation.spec,
            validators: operation.validators,
            handler: unreachable,
          } as unknown as OperationDefinition,
          SPOKES_LOCATION,
        );
      }
      const offer: Offer = {
        runner,
        pool,
        maxInFlight: Math.min(operation.maxInFlight ?? runner.maxInFlight, runner.maxInFlight),
        inFlight: 0,
      };
      pool.offers.set(runner.id, offer);
      offers.set(name, offer);
    }
    this.#pump(runner);
  }

  /** Stops sending new calls to `runner`; it finishes what it runs. */
  drain(runner: Runner): void {
    runner.draining = true;
    for (const offer of this.#offersOf.get(runner)?.values() ?? []) {
      if (!this.#hasTaker(offer.pool)) this.#failQueue(offer.pool, `no spoke left to run it`);
    }
  }

  /** Removes `runner`: its calls fail `unavailable` (idempotent ones retry once elsewhere). */
  remove(runner: Runner, why: string): void {
    const offers = this.#offersOf.get(runner);
    if (!offers) return;
    this.#offersOf.delete(runner);
    for (const offer of offers.values()) offer.pool.offers.delete(runner.id);
    const orphans = [...this.#jobs.values()].filter((job) => job.offer?.runner === runner);
    for (const job of orphans) {
      const { pool } = job.offer!;
      this.#release(job);
      job.offer = undefined;
      const error = new HubError(
        "unavailable",
        `Cannot call operation "${pool.name}": spoke "${runner.name}" ${why}`,
      );
      if (!job.aborted && pool.operation.idempotent && job.attempts === 1 && this.#hasTaker(pool)) {
        this.#counts.retried += 1;
        this.#log?.info("Retrying call {requestId} of {operation} on another spoke", {
          requestId: job.request.requestId,
          operation: pool.name,
        });
        if (!this.#run(pool, job)) this.#enqueue(pool, job);
        continue;
      }
      this.#finish(job, { error: wire(error) }, runner.id);
    }
    for (const offer of offers.values()) {
      const pool = offer.pool;
      if (pool.offers.size > 0) {
        if (!this.#hasTaker(pool)) this.#failQueue(pool, `no spoke left to run it`);
        continue;
      }
      this.#failQueue(pool, `spoke "${runner.name}" ${why}`);
      this.#pools.delete(pool.name);
      this.#registry.unregister(pool.name);
    }
    // Capacity freed on other spokes cannot come from here, but queues of shared pools may move.
    for (const other of this.#offersOf.keys()) this.#pump(other);
  }

  /** An answer from `runner` for `requestId`. */
  settle(runner: Runner, requestId: string, outcome: Outcome): void {
    const job = this.#jobs.get(requestId);
    if (!job || job.offer?.runner !== runner) {
      this.#counts.unknownResults += 1;
      return;
    }
    this.#release(job);
    if (job.aborted) {
      this.#counts.lateResults += 1;
      this.#jobs.delete(requestId);
    } else {
      this.#finish(job, outcome, runner.id);
    }
    this.#pump(runner);
  }

  /** True when `requestId` runs on `runner` and its caller still waits. */
  runs(runner: Runner, requestId: string): boolean {
    const job = this.#jobs.get(requestId);
    return job !== undefined && job.offer?.runner === runner && !job.aborted;
  }

  /** Counters and gauges. */
  stats(): RunnerPoolStats {
    let queued = 0;
    for (const pool of this.#pools.values()) queued += pool.queue.length;
    let inFlight = 0;
    for (const job of this.#jobs.values()) if (job.offer) inFlight += 1;
    return { inFlight, queued, ...this.#counts };
  }

  /** Fails every call `unavailable` and stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const runner of [...this.#offersOf.keys()]) {
      this.remove(runner, "left: the hub is stopping");
    }
    await Promise.all(this.#listening.map((listening) => listening.close()));
  }

  #onRequest(request: CallRequested): void {
    if (this.#closed || this.#jobs.has(request.requestId)) return; // duplicate delivery
    if (request.deadline <= Date.now()) return; // nobody waits any more
    const pool = this.#pools.get(request.operation);
    if (!pool) {
      return this.#publishError(
        request.requestId,
        new HubError(
          "not_found",
          `Cannot call operation "${request.operation}": no spoke offers it`,
        ),
      );
    }
    // A spoke drops (or closes on) a frame over its limit: the call would hang to its deadline.
    const frame = encodeMessage("call.requested", request.requestId, request);
    const bytes = frameBytes(frame, this.#maxFrameBytes);
    if (bytes > this.#maxFrameBytes) {
      return this.#publishError(
        request.requestId,
        new HubError(
          "payload_too_large",
          `Cannot call operation "${request.operation}": its call is ${bytes} bytes, over the ${this.#maxFrameBytes}-byte frame limit of spokes`,
          { details: { bytes, max: this.#maxFrameBytes } },
        ),
      );
    }
    const job: Job = { request, frame, queuedAt: Date.now(), attempts: 0, aborted: false };
    this.#jobs.set(request.requestId, job);
    if (!this.#run(pool, job)) this.#enqueue(pool, job);
  }

  #onAbort(requestId: string, reason: "timeout" | "aborted"): void {
    const job = this.#jobs.get(requestId);
    if (!job || job.aborted) return;
    job.aborted = true;
    if (!job.offer) {
      // Still queued: forget it; the caller has settled.
      this.#dequeue(job);
      this.#jobs.delete(requestId);
      return;
    }
    job.offer.runner.send("call.aborted", requestId, { requestId, reason });
  }

  #hasTaker(pool: Pool): boolean {
    for (const offer of pool.offers.values()) if (!offer.runner.draining) return true;
    return false;
  }

  /** Sends `job` to the least-loaded spoke with room; false when none has room. */
  #run(pool: Pool, job: Job): boolean {
    let best: Offer | undefined;
    let bestLoad = Infinity;
    for (const offer of pool.offers.values()) {
      const runner = offer.runner;
      if (runner.draining || offer.inFlight >= offer.maxInFlight) continue;
      if (runner.inFlight >= runner.maxInFlight) continue;
      const load = runner.inFlight / runner.maxInFlight;
      if (load < bestLoad) {
        best = offer;
        bestLoad = load;
      }
    }
    if (!best) return false;
    job.offer = best;
    job.attempts += 1;
    best.inFlight += 1;
    best.runner.inFlight += 1;
    this.#counts.dispatched += 1;
    // A send on a socket that just broke is lost; its close handler removes the runner and
    // fails (or retries) the job.
    best.runner.sendFrame(job.frame);
    return true;
  }

  #enqueue(pool: Pool, job: Job): void {
    if (!this.#hasTaker(pool)) {
      return this.#finish(job, {
        error: wire(
          new HubError("unavailable", `Cannot call operation "${pool.name}": no spoke can take it`),
        ),
      });
    }
    if (pool.queue.length >= this.#maxQueued) {
      return this.#finish(job, {
        error: wire(
          new HubError(
            "unavailable",
            `Cannot call operation "${pool.name}": every spoke is busy and ${this.#maxQueued} calls are queued`,
          ),
        ),
      });
    }
    pool.queue.push(job);
  }

  #dequeue(job: Job): void {
    const pool = this.#pools.get(job.request.operation);
    if (!pool) return;
    const index = pool.queue.indexOf(job);
    if (index >= 0) pool.queue.splice(index, 1);
  }

  #failQueue(pool: Pool, why: string): void {
    const queued = pool.queue.splice(0);
    for (const job of queued) {
      this.#finish(job, {
        error: wire(new HubError("unavailable", `Cannot call operation "${pool.name}": ${why}`)),
      });
    }
  }

  /** Runs queued calls on `runner` while it has room, oldest first across its operations. */
  #pump(runner: Runner): void {
    const offers = this.#offersOf.get(runner);
    if (!offers || runner.draining) return;
    while (runner.inFlight < runner.maxInFlight) {
      let next: Offer | undefined;
      for (const offer of offers.values()) {
        const head = offer.pool.queue[0];
        if (!head || offer.inFlight >= offer.maxInFlight) continue;
        if (!next || head.queuedAt < next.pool.queue[0].queuedAt) next = offer;
      }
      if (!next) return;
      const job = next.pool.queue.shift()!;
      if (job.request.deadline <= Date.now()) {
        this.#jobs.delete(job.request.requestId);
        continue;
      }
      this.#run(next.pool, job);
    }
  }

  #release(job: Job): void {
    const offer = job.offer;
    if (!offer) return;
    offer.inFlight -= 1;
    offer.runner.inFlight -= 1;
  }

  /** Answers the caller; `runner` (the spoke that ran it) is what the call graph records. */
  #finish(job: Job, outcome: Outcome, runner?: string): void {
    const { requestId } = job.request;
    this.#jobs.delete(requestId);
    job.offer = undefined;
    const ran = runner === undefined ? {} : { runner };
    if ("error" in outcome) {
      this.#pubsub.publish("call.error", requestId, { requestId, error: outcome.error, ...ran });
    } else {
      this.#pubsub.publish("call.responded", requestId, {
        requestId,
        output: outcome.output,
        ...ran,
      });
    }
  }

  #publishError(requestId: string, error: HubError): void {
    this.#pubsub.publish("call.error", requestId, { requestId, error: wire(error) });
  }

  /** Calls whose spoke never answered past deadline + grace: the hub answers `timeout`. */
  #sweep(): void {
    const now = Date.now();
    for (const job of [...this.#jobs.values()]) {
      const { request } = job;
      if (now <= request.deadline + (job.offer ? this.#graceMs : 0)) continue;
      if (!job.offer) {
        this.#dequeue(job);
        this.#jobs.delete(request.requestId);
        continue;
      }
      const runner = job.offer.runner;
      if (!job.aborted) runner.send("call.aborted", request.requestId, { ...abortOf(request) });
      this.#release(job);
      const error = wire(
        new HubError("timeout", `Operation "${request.operation}" passed its deadline on a spoke`),
      );
      if (job.aborted) this.#jobs.delete(request.requestId);
      else this.#finish(job, { error }, runner.id);
      this.#pump(runner);
    }
  }
}

function abortOf(request: CallRequested) {
  return { requestId: request.requestId, reason: "timeout" as const };
}

/** The UTF-8 size of `frame`, exact only when it may be over `max` (cheap otherwise). */
function frameBytes(frame: string, max: number): number {
  if (frame.length * 3 <= max) return frame.length;
  return new TextEncoder().encode(frame).length;
}

function wire(error: HubError): SerializedError {
  return {
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

function unreachable(): never {
  throw new HubError("internal", "Spoke operations run on spokes, not in the hub");
}
