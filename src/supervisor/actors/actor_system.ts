import { HubError } from "@hub/errors";
import { logger } from "../../logging/mod.ts";
import { ActorCell } from "./actor_cell.ts";
import type { ActorHandle } from "./actor_handle.ts";
import type { ActorDefinition, ActorState, ActorStatus, ActorSystemOptions } from "./types.ts";

const STOP_GRACE_SHARE = 0.2;
const MAX_STOP_GRACE_MS = 1000;

/** One lifecycle transition, as seen by {@linkcode ActorSystem.onStateChange} listeners. */
export interface ActorStateChange {
  actor: ActorState;
  previous: ActorStatus;
}

/**
 * Spawns actors in Workers, watches them and restarts them one-for-one, and
 * drains them on shutdown. No actor can take the process down: every worker's
 * `error` is caught, and every call to a dead worker rejects `unavailable`.
 *
 * ```ts
 * const system = new ActorSystem(settings.actors);
 * const coordinator = await system.start(coordinatorActor);
 * await coordinator.api.ping();
 * await system.shutdown({ timeoutMs: 5000 });
 * ```
 */
export class ActorSystem {
  readonly #options: ActorSystemOptions;
  readonly #cells = new Map<string, ActorCell<unknown>>();
  readonly #listeners = new Set<(change: ActorStateChange) => void>();
  #shutdown: Promise<void> | undefined;

  constructor(options: ActorSystemOptions) {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = options;
    if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
      throw new RangeError(
        `Cannot create actor system: heartbeatTimeoutMs (${heartbeatTimeoutMs}) must exceed heartbeatIntervalMs (${heartbeatIntervalMs})`,
      );
    }
    this.#options = options;
  }

  /** Spawns an actor; resolves with its handle once it is ready. */
  async start<Api>(definition: ActorDefinition<Api>): Promise<ActorHandle<Api>> {
    const id = definition.id ?? definition.kind;
    if (this.#shutdown) {
      throw new HubError("unavailable", `Cannot spawn actor "${id}": the system is shutting down`);
    }
    if (this.#cells.has(id)) {
      throw new HubError("conflict", `Cannot spawn actor "${id}": the id is taken`);
    }
    const cell = new ActorCell(definition, this.#options, this.#changed);
    this.#cells.set(id, cell as ActorCell<unknown>);
    try {
      await cell.start();
    } catch (error) {
      this.#cells.delete(id);
      throw error;
    }
    return cell.handle;
  }

  /** Replaces an actor's worker now; its pending calls reject `unavailable`. */
  async restart(id: string): Promise<void> {
    const cell = this.#cells.get(id);
    if (!cell) throw new HubError("not_found", `Cannot restart actor "${id}": no such actor`);
    await cell.restart();
  }

  /** Every actor's current state. */
  snapshot(): ActorState[] {
    return [...this.#cells.values()].map((cell) => cell.snapshot());
  }

  /** The ids of actors that exhausted their restarts. */
  failed(): string[] {
    return this.snapshot().filter((actor) => actor.state === "failed").map((actor) => actor.id);
  }

  /** Calls `listener` on every lifecycle transition; returns the unsubscribe function. */
  onStateChange(listener: (change: ActorStateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Refuses new calls and spawns, lets calls in flight finish (until the last
   * fifth of the deadline, at most 1 s, which is kept for stop hooks), asks
   * every actor to stop and terminates what is left at the deadline.
   */
  shutdown(options: { timeoutMs: number }): Promise<void> {
    return this.#shutdown ??= this.#stopAll(options.timeoutMs);
  }

  async #stopAll(timeoutMs: number): Promise<void> {
    const startedAt = performance.now();
    const deadline = startedAt + timeoutMs;
    // Keep the end of the deadline for stop hooks (flushing batched writes):
    // a call that hangs must not leave every actor without a graceful stop.
    const stopAt = deadline - Math.min(MAX_STOP_GRACE_MS, timeoutMs * STOP_GRACE_SHARE);
    const cells = [...this.#cells.values()];
    await Promise.all(cells.map((cell) => cell.shutdown(stopAt, deadline)));
    logger("supervisor", "actors").info("Stopped {count} actors in {ms} ms", {
      count: cells.length,
      ms: Math.round(performance.now() - startedAt),
    });
  }

  readonly #changed = (actor: ActorState, previous: ActorStatus) => {
    const change = { actor, previous };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        logger("supervisor", "actors").error("Cannot notify actor state listener: {error}", {
          error,
        });
      }
    }
  };
}
