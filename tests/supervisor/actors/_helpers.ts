/**
 * Shared setup of the actor tests: short heartbeats, the fixture actor, and
 * waiting on lifecycle events instead of sleeping.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { HubError } from "@hub/errors";
import {
  type ActorDefinition,
  type ActorState,
  ActorSystem,
  type ActorSystemOptions,
} from "../../../src/supervisor/actors/mod.ts";
import type { FixtureApi, FixtureOptions } from "../../fixtures/fixture_api.ts";

/** Fast enough that a dead worker is noticed in a third of a second. */
export function testOptions(overrides: Partial<ActorSystemOptions> = {}): ActorSystemOptions {
  return {
    heartbeatIntervalMs: 50,
    heartbeatTimeoutMs: 300,
    callTimeoutMs: 2000,
    restart: { maxRestarts: 5, windowMs: 10_000, backoffBaseMs: 5, backoffMaxMs: 20 },
    logLevel: "fatal",
    ...overrides,
  };
}

/** The fixture actor under `id`. */
export function fixtureActor(id: string, options?: FixtureOptions): ActorDefinition<FixtureApi> {
  return {
    kind: "fixture",
    id,
    entry: new URL("../../fixtures/fixture_actor.ts", import.meta.url),
    options,
  };
}

/** Workers spawned in this process and not terminated yet. */
const liveWorkers = new Set<Worker>();

// Counts what the supervisor spawns and terminates, to prove no worker is
// orphaned (Deno's op sanitizer does not see Workers). Transparent for any
// other test in the process.
globalThis.Worker = class TrackedWorker extends Worker {
  constructor(specifier: string | URL, options?: WorkerOptions) {
    super(specifier, options);
    liveWorkers.add(this);
  }
  override terminate(): void {
    liveWorkers.delete(this);
    super.terminate();
  }
};

/** Runs `fn` with a fresh system, shuts it down and checks that no worker is left. */
export async function withSystem(
  fn: (system: ActorSystem, liveWorkers: () => number) => Promise<void>,
  overrides?: Partial<ActorSystemOptions>,
): Promise<void> {
  const before = new Set(liveWorkers);
  const live = () => [...liveWorkers].filter((worker) => !before.has(worker)).length;
  const system = new ActorSystem(testOptions(overrides));
  try {
    await fn(system, live);
  } finally {
    await system.shutdown({ timeoutMs: 500 });
  }
  assert.equal(live(), 0, "every worker was terminated");
}

/** Resolves with the first state of `id` that satisfies `predicate`, now or on a later change. */
export function waitForState(
  system: ActorSystem,
  id: string,
  predicate: (actor: ActorState) => boolean,
  timeoutMs = 5000,
): Promise<ActorState> {
  const now = system.snapshot().find((actor) => actor.id === id);
  if (now && predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    // A guard against a hung test, not a synchronisation point.
    const timer = setTimeout(() => {
      unsubscribe();
      const last = JSON.stringify(system.snapshot().find((actor) => actor.id === id));
      reject(
        new Error(
          `Cannot wait for actor "${id}": no matching state in ${timeoutMs} ms (last ${last})`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = system.onStateChange(({ actor }) => {
      if (actor.id !== id || !predicate(actor)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(actor);
    });
  });
}

/** How a call settled, and when (performance.now()). */
export interface Settled {
  error?: HubError;
  value?: unknown;
  at: number;
}

/** Never rejects: records the outcome and its time. */
export function settle(promise: Promise<unknown>): Promise<Settled> {
  return promise.then(
    (value) => ({ value, at: performance.now() }),
    (error: HubError) => ({ error, at: performance.now() }),
  );
}

/** The rejection of `promise`; fails if it is still pending once queued tasks have run. */
export async function rejectedAtOnce(promise: Promise<unknown>): Promise<HubError> {
  const outcome = await Promise.race([
    settle(promise),
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), 0)),
  ]);
  assert.notEqual(outcome, "pending", "rejected at once");
  const { error } = outcome as Settled;
  assert.ok(error, "rejected, not resolved");
  return error;
}
