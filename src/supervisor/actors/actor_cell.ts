import { HubError } from "@hub/errors";
import { type Logger, logger } from "../../logging/mod.ts";
import { ActorHandle, routeCalls } from "./actor_handle.ts";
import { RestartPolicy } from "./restart_policy.ts";
import type { ActorDefinition, ActorState, ActorStatus, ActorSystemOptions } from "./types.ts";
import { type WorkerExit, WorkerLink } from "./worker_link.ts";

const DEFAULT_START_TIMEOUT_MS = 10_000;

/**
 * The lifecycle of one actor across its workers: spawn, watch, restart with
 * backoff or give up, drain and stop. The handle it owns is what callers keep.
 */
export class ActorCell<Api> {
  readonly id: string;
  readonly handle: ActorHandle<Api>;
  readonly #definition: ActorDefinition<Api>;
  readonly #options: ActorSystemOptions;
  readonly #onChange: (actor: ActorState, previous: ActorStatus) => void;
  readonly #log: Logger;
  #policy: RestartPolicy;
  #state: ActorStatus = "starting";
  #restarts = 0;
  #lastError: string | undefined;
  #link: WorkerLink | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #stopping = false;

  constructor(
    definition: ActorDefinition<Api>,
    options: ActorSystemOptions,
    onChange: (actor: ActorState, previous: ActorStatus) => void,
  ) {
    this.id = definition.id ?? definition.kind;
    this.#definition = definition;
    this.#options = options;
    this.#onChange = onChange;
    this.#policy = new RestartPolicy(options.restart);
    this.#log = logger("supervisor", "actors").with({ actorId: this.id, kind: definition.kind });
    this.handle = new ActorHandle(this.id, definition.kind, options.callTimeoutMs);
  }

  /** A point-in-time view for `/health`. */
  snapshot(): ActorState {
    const state: ActorState = {
      id: this.id,
      kind: this.#definition.kind,
      state: this.#state,
      restarts: this.#restarts,
      pendingCalls: this.#link?.calls.size ?? 0,
    };
    if (this.#lastError !== undefined) state.lastError = this.#lastError;
    return state;
  }

  /** Spawns the first worker; rejects `unavailable` if it never becomes ready. */
  async start(): Promise<void> {
    try {
      await this.#spawn().ready;
    } catch (error) {
      const failure = error instanceof HubError ? error : new HubError(
        "unavailable",
        `Cannot spawn actor "${this.id}": ${(error as Error).message}`,
        { cause: error },
      );
      this.#lastError = failure.message;
      this.#log.error("Cannot start actor {actorId}: {message}", {
        message: failure.message,
        cause: failure.cause,
      });
      if (!this.#stopping) this.#set("failed");
      throw failure;
    }
  }

  /** Replaces the worker now (operator request): no backoff, not counted against the restart limit. */
  async restart(): Promise<void> {
    if (this.#stopping || this.#state === "starting") {
      throw new HubError("unavailable", `Cannot restart actor "${this.id}": it is ${this.#state}`);
    }
    clearTimeout(this.#restartTimer);
    if (this.#state === "failed") this.#policy = new RestartPolicy(this.#options.restart);
    const previous = this.#link;
    this.#link = undefined; // its exit is now stale and starts no restart of its own
    this.handle[routeCalls](undefined, "is restarting");
    previous?.terminate("was terminated for a restart");
    this.#restarts++;
    this.#set("restarting");
    await this.#respawn()?.ready;
  }

  /**
   * Stops taking calls, lets calls in flight settle until `stopAt`, then asks
   * the worker to stop and terminates it at `deadline`; what is left rejects.
   */
  async shutdown(stopAt: number, deadline: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.handle[routeCalls](undefined, "is shutting down");
    const link = this.#link;
    if (link) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cutOff = new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, stopAt - performance.now()));
      });
      await Promise.race([link.calls.drained(), cutOff]);
      clearTimeout(timer);
      await link.stop(deadline - performance.now());
    }
    this.#set("stopped");
  }

  #spawn(): WorkerLink {
    const spawnedAt = performance.now();
    const { heartbeatIntervalMs, heartbeatTimeoutMs, logFormat = "json", logLevel } = this.#options;
    const link: WorkerLink = new WorkerLink({
      id: this.id,
      kind: this.#definition.kind,
      entry: this.#definition.entry,
      options: this.#definition.options,
      heartbeatIntervalMs,
      heartbeatTimeoutMs,
      startTimeoutMs: this.#options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      logging: { format: logFormat, level: logLevel },
      router: this.#options.router,
      onExit: (exit) => this.#onExit(link, exit),
    });
    this.#link = link;
    this.#log.info("Spawned actor {actorId} from {entry}", { entry: this.#definition.entry.href });
    link.ready.then(() => {
      if (this.#link !== link || this.#stopping) return;
      this.handle[routeCalls](link);
      const ms = Math.round(performance.now() - spawnedAt);
      this.#log.info("Actor {actorId} ready in {ms} ms", { ms });
      this.#set("running");
    }, () => {});
    return link;
  }

  #respawn(): WorkerLink | undefined {
    try {
      return this.#spawn();
    } catch (error) {
      this.#crashed(`could not be spawned: ${(error as Error).message}`, error);
    }
  }

  #onExit(link: WorkerLink, exit: WorkerExit): void {
    if (link !== this.#link) return;
    this.#link = undefined;
    this.handle[routeCalls](undefined, this.#stopping ? "is shutting down" : "is restarting");
    // A first start that fails is reported by start(); shutdown by stop().
    if (this.#stopping || this.#state === "starting") return;
    this.#crashed(exit.reason, exit.cause);
  }

  #crashed(reason: string, cause: unknown): void {
    this.#lastError = `worker ${reason}`;
    this.#log.error("Actor {actorId} is down: {lastError}", { lastError: this.#lastError, cause });
    const decision = this.#policy.onCrash(performance.now());
    if (!decision.restart) {
      const { windowMs } = this.#options.restart;
      const limit = `${decision.restarts} restarts within ${windowMs} ms`;
      this.handle[routeCalls](undefined, `has failed after ${limit}`);
      this.#log.fatal("Actor {actorId} failed after {limit}; not restarting it", { limit });
      this.#set("failed");
      return;
    }
    this.#restarts++;
    this.handle[routeCalls](undefined, "is restarting");
    this.#log.warn("Restarting actor {actorId} in {delayMs} ms (restart {attempt} in window)", {
      delayMs: decision.delayMs,
      attempt: decision.attempt,
    });
    this.#set("restarting");
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#respawn();
    }, decision.delayMs);
  }

  /** Also reports `restarting` → `restarting`: a restart that crashed again. */
  #set(state: ActorStatus): void {
    const previous = this.#state;
    this.#state = state;
    this.#onChange(this.snapshot(), previous);
  }
}
