import { wrap } from "comlink";
import {
  createWorkerHostEventTarget,
  type PubSubRouter,
  type PubSubTransport,
} from "@alkdev/pubsub";
import { HubError, type SerializedError } from "@hub/errors";
import { type LogFormat, logger, type LogLevel } from "../../logging/mod.ts";
import type { ActorReport, ControlMessage } from "../../workers/mod.ts";
import { PendingCalls } from "./pending_calls.ts";

/** How one worker ended. */
export interface WorkerExit {
  /** Completes "worker …": `crashed: boom`, `closed itself`, `was terminated`. */
  reason: string;
  /** The worker died before `ready`. */
  duringStartup: boolean;
  /** What the actor reported (fatal) or what the ErrorEvent said. */
  cause?: SerializedError;
}

/** Everything one worker incarnation needs. */
export interface WorkerLinkOptions {
  id: string;
  kind: string;
  entry: URL;
  options: unknown;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  startTimeoutMs: number;
  logging: { format: LogFormat; level?: LogLevel };
  /** Joins the actor's pubsub to the hub's; without it the actor's pubsub reaches nobody. */
  router?: PubSubRouter;
  /** Called once, after pending calls were rejected and the worker terminated. */
  onExit(exit: WorkerExit): void;
}

type RemoteMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * One incarnation of an actor: the Worker, its comlink port, its calls in
 * flight and the watch over it. Every way the worker can end funnels into one
 * exit that rejects the pending calls, terminates the worker and reports once.
 */
export class WorkerLink {
  readonly calls: PendingCalls;
  /** Resolves at `ready`; rejects `unavailable` if the worker dies first. */
  readonly ready: Promise<void>;
  /** Resolves with the exit, however the worker ended. */
  readonly exited: Promise<WorkerExit>;
  readonly #options: WorkerLinkOptions;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #eventsPort: MessagePort;
  readonly #events: PubSubTransport | undefined;
  readonly #remote: Record<string, RemoteMethod>;
  readonly #methods = new Map<string, RemoteMethod>();
  #settleReady!: (error?: HubError) => void;
  #settleExit!: (exit: WorkerExit) => void;
  #isReady = false;
  #exit: WorkerExit | undefined;
  #lastSeen = performance.now();
  #lastCheck = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WorkerLinkOptions) {
    this.#options = options;
    this.calls = new PendingCalls(options.id);
    this.ready = new Promise((resolve, reject) => {
      this.#settleReady = (error) => error ? reject(error) : resolve();
    });
    this.ready.catch(() => {}); // observed through `exited` when nobody awaits it
    this.exited = new Promise((resolve) => this.#settleExit = resolve);

    // The Worker first: if it cannot be constructed, no port or router link is left behind.
    this.#worker = new Worker(options.entry, { type: "module", name: options.id });
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#remote = wrap(port1) as unknown as Record<string, RemoteMethod>;
    const events = new MessageChannel();
    this.#eventsPort = events.port1;
    if (options.router) {
      this.#events = createWorkerHostEventTarget(events.port1, {
        onDrop: (reason, info) =>
          logger("supervisor", "actors").warn(
            "Dropped a pubsub message from actor {actorId} ({reason}): {detail}",
            {
              actorId: options.id,
              reason,
              detail: info.detail,
            },
          ),
      });
      options.router.addLink(this.#events);
    }
    // Without preventDefault an uncaught error in the worker ends this process.
    this.#worker.addEventListener("error", (event) => {
      event.preventDefault();
      const cause: SerializedError = { code: "internal", message: event.message };
      this.#end(this.#crashed(event.message), cause);
    });
    this.#worker.addEventListener("messageerror", (event) => {
      event.preventDefault();
      logger("supervisor", "actors").warn("Cannot read a message from actor {actorId}", {
        actorId: options.id,
      });
    });
    this.#worker.addEventListener("message", this.#onReport);
    const init: ControlMessage = {
      type: "init",
      actorId: options.id,
      kind: options.kind,
      options: options.options,
      logging: options.logging,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      ports: { rpc: port2, events: events.port2 },
    };
    this.#worker.postMessage(init, Object.values(init.ports));
    this.#timer = setTimeout(
      () => this.#end(`did not become ready within ${options.startTimeoutMs} ms`),
      options.startTimeoutMs,
    );
  }

  /** Calls `method` on the actor; see {@linkcode PendingCalls.track}. */
  call(method: string, args: unknown[], timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    let fn = this.#methods.get(method);
    // Each property read on a comlink proxy builds a new Proxy registered for
    // finalization; one per method instead of one per call.
    if (fn === undefined) this.#methods.set(method, fn = this.#remote[method]);
    return this.calls.track(method, timeoutMs, signal, fn, args);
  }

  /** Asks the actor to stop; terminates it if it has not closed within `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.#exit) return;
    this.#worker.postMessage({ type: "stop" } satisfies ControlMessage);
    const timer = setTimeout(() => this.terminate(), Math.max(0, graceMs));
    await this.exited;
    clearTimeout(timer);
  }

  /** Ends the worker now. */
  terminate(reason = "was terminated"): void {
    this.#end(reason);
  }

  readonly #onReport = (event: MessageEvent<ActorReport>) => {
    if (this.#exit) return;
    this.#lastSeen = performance.now();
    const report = event.data as ActorReport | null | undefined;
    // Actor code can post anything on its own channel; a throw in this
    // listener would be uncaught in the supervisor and end the process.
    if (typeof report !== "object" || report === null) return;
    switch (report.type) {
      case "ready":
        this.#isReady = true;
        clearTimeout(this.#timer);
        this.#lastCheck = performance.now();
        this.#timer = setInterval(this.#watch, this.#options.heartbeatIntervalMs);
        this.#settleReady();
        break;
      case "fatal":
        this.#end(this.#crashed(report.error.message), report.error);
        break;
      case "closing":
        if (report.reason === "stop") this.#end("stopped");
        else this.#end(this.#isReady ? "closed itself" : "exited during startup");
        break;
    }
  };

  readonly #watch = () => {
    const now = performance.now();
    const late = now - this.#lastCheck - this.#options.heartbeatIntervalMs;
    this.#lastCheck = now;
    // When this thread was blocked, the worker's heartbeats wait unread in
    // the queue: skip the verdict rather than kill a live worker.
    if (late > this.#options.heartbeatIntervalMs) return;
    const silentMs = now - this.#lastSeen;
    if (silentMs <= this.#options.heartbeatTimeoutMs) return;
    // Deno 2.9 cannot interrupt a busy loop (denoland/deno#35657): terminate()
    // frees the actor's slot, but the thread runs until its loop returns.
    logger("supervisor", "actors").warn(
      "Actor {actorId} missed its heartbeats; terminating it (a blocked thread runs on until it yields)",
      { actorId: this.#options.id },
    );
    this.#end(`stopped responding: no heartbeat for ${Math.round(silentMs)} ms`);
  };

  #crashed(message: string): string {
    return `crashed${this.#isReady ? "" : " during startup"}: ${message}`;
  }

  #end(reason: string, cause?: SerializedError): void {
    if (this.#exit) return;
    const exit: WorkerExit = { reason, duringStartup: !this.#isReady, cause };
    this.#exit = exit;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    const { id } = this.#options;
    this.calls.rejectAll(() =>
      new HubError("unavailable", `Cannot call actor "${id}": worker ${reason}`)
    );
    this.#worker.terminate();
    this.#port.close();
    // Closing the link target detaches it from the router and ends what it held.
    void this.#events?.close();
    this.#eventsPort.close();
    this.#settleReady(
      new HubError("unavailable", `Cannot spawn actor "${id}": worker ${reason}`, { cause }),
    );
    this.#settleExit(exit);
    this.#options.onExit(exit);
  }
}
