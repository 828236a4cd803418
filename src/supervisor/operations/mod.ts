/**
 * The hub's operations: the registry of every operation wherever it runs, the
 * caller the HTTP API and MCP use, the supervisor's built-in operations, and
 * the call graph that records every call.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import {
  type Caller,
  createCaller,
  OperationRegistry,
  type ServedOperations,
  serveOperations,
} from "@alkdev/operations";
import type { ApiKeyService } from "../../auth/mod.ts";
import { CallGraph, type CallGraphStore, createCallGraphStore } from "../../graph/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { HubDb } from "../../storage/mod.ts";
import type { ActorSystem } from "../actors/mod.ts";
import type { HubEvents } from "../events.ts";
import type { KeyLeases } from "../keys/key_leases.ts";
import { hubOperations } from "./hub_operations.ts";
import { capCallsPerKey } from "./key_call_cap.ts";
import { keyOperations } from "./key_operations.ts";

/** Where the supervisor's own operations run. */
export const SUPERVISOR_LOCATION = { kind: "supervisor", id: "supervisor" } as const;

/** The registry and the caller: no I/O, so the HTTP routes can hold them from the start. */
export interface OperationsCore {
  readonly registry: OperationRegistry;
  readonly caller: Caller;
}

/** Options of {@linkcode createOperationsCore}. */
export interface OperationsCoreOptions {
  defaultTimeoutMs: number;
  /** Per-key caps; calls in flight are counted per key when set. */
  leases?: KeyLeases;
}

/** Creates the registry and the caller over the hub bus. */
export function createOperationsCore(
  pubsub: PubSub<HubEvents>,
  options: OperationsCoreOptions,
): OperationsCore {
  const registry = new OperationRegistry();
  const caller = createCaller({ pubsub, registry, defaultTimeoutMs: options.defaultTimeoutMs });
  return { registry, caller: options.leases ? capCallsPerKey(caller, options.leases) : caller };
}

/** What {@linkcode startOperations} needs. */
export interface OperationsDeps extends OperationsCore {
  pubsub: PubSub<HubEvents>;
  db: HubDb;
  keys: ApiKeyService;
  actors: ActorSystem;
  startedAt: number;
}

/** The running operations subsystem. */
export interface OperationsParts extends OperationsCore {
  readonly calls: CallGraphStore;
  /** Fails pending calls `unavailable`, stops serving, flushes the call graph. */
  close(): Promise<void>;
}

/** Starts the call graph and serves the supervisor's built-in operations. */
export async function startOperations(deps: OperationsDeps): Promise<OperationsParts> {
  const log = logger("operations");
  const { registry, caller, pubsub } = deps;
  const graph = new CallGraph({ pubsub });
  // The supervisor's own operations run directly for this caller (see serveOperations).
  graph.observe(caller);
  const calls = await createCallGraphStore({ db: deps.db, graph, log });
  let served: ServedOperations;
  try {
    served = serveOperations({
      pubsub,
      registry,
      caller,
      log,
      location: SUPERVISOR_LOCATION,
      operations: [
        ...keyOperations(deps.keys),
        ...hubOperations({ actors: deps.actors, registry, calls, startedAt: deps.startedAt }),
      ],
    });
  } catch (error) {
    await calls.close();
    await graph.close();
    throw error;
  }
  return {
    registry,
    caller,
    calls,
    async close() {
      await caller.close();
      await served.close();
      await calls.close();
      await graph.close();
    },
  };
}
