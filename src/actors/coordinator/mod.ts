/**
 * The coordinator actor: one per hub. Its typed handle and its definition
 * for {@linkcode ActorSystem.start}.
 *
 * ```ts
 * import { coordinatorActor } from "./mod.ts";
 * const coordinator = await system.start(coordinatorActor);
 * const { uptimeMs } = await coordinator.api.status();
 * ```
 *
 * @module
 */
import type { ActorDefinition, ActorRef } from "../kit.ts";
import type { CoordinatorApi } from "./protocol.ts";

export { type CoordinatorPorts, createCoordinator } from "./actor.ts";
export type { CoordinatorApi, CoordinatorStatus } from "./protocol.ts";

/** A handle on the running coordinator. */
export type CoordinatorHandle = ActorRef<CoordinatorApi>;

/** The coordinator's definition: a singleton with id `coordinator`. */
export const coordinatorActor: ActorDefinition<CoordinatorApi> = {
  kind: "coordinator",
  id: "coordinator",
  entry: new URL("../../workers/coordinator.ts", import.meta.url),
};
