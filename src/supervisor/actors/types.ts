import type { PubSubRouter } from "@alkdev/pubsub";
import type { LogFormat, LogLevel } from "../../logging/mod.ts";

declare const apiType: unique symbol;

/** What to spawn: a behaviour (`kind`) run by a module Worker entry file. */
export interface ActorDefinition<Api> {
  kind: string;
  /** Unique within the system; the kind by default (singletons such as the coordinator). */
  id?: string;
  /** The module worker file that calls `runActor`. */
  entry: URL;
  /** Structured-cloned into the worker as `ctx.options`. */
  options?: unknown;
  /** Type-only: carries `Api` so `start(def)` returns a typed handle. Never set. */
  readonly [apiType]?: Api;
}

/** Restart policy: one-for-one, exponential backoff with full jitter, capped per window. */
export interface RestartOptions {
  /** Restarts allowed within `windowMs`; one crash more and the actor is `failed`. */
  maxRestarts: number;
  windowMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Timings and policy shared by every actor of a system. */
export interface ActorSystemOptions {
  heartbeatIntervalMs: number;
  /** An actor silent this long is declared dead, terminated and restarted. */
  heartbeatTimeoutMs: number;
  /** The default deadline of a call. */
  callTimeoutMs: number;
  restart: RestartOptions;
  /** How long a worker may take from spawn to `ready`; 10 s by default. */
  startTimeoutMs?: number;
  /** The format of the actors' log lines; `json` by default. */
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  /** The hub's pubsub router; every actor's data-plane link joins it. */
  router?: PubSubRouter;
}

/** The lifecycle state of an actor. */
export type ActorStatus = "starting" | "running" | "restarting" | "failed" | "stopped";

/** A point-in-time view of one actor (for `/health` and logs). */
export interface ActorState {
  id: string;
  kind: string;
  state: ActorStatus;
  /** Workers replaced since the first start (after crashes or by `restart()`). */
  restarts: number;
  pendingCalls: number;
  /** Why the worker last died, e.g. `worker crashed: boom`. */
  lastError?: string;
}
