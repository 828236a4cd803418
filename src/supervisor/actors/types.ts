import type { PubSubRouter } from "@alkdev/pubsub";
import type { LogFormat, LogLevel } from "../../logging/mod.ts";

export type { ActorDefinition } from "../../actors/kit.ts";

/** Restart policy: one-for-one, exponential backoff with jitter in `[base, cap]`, capped per window. */
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
