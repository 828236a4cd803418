/**
 * Actor lifecycle on the supervisor side: spawn actors in Workers, call them
 * through typed handles, restart them with backoff, drain them on shutdown.
 *
 * ```ts
 * import { ActorSystem } from "./mod.ts";
 * import { coordinatorActor } from "../../actors/coordinator/mod.ts";
 *
 * const system = new ActorSystem({
 *   heartbeatIntervalMs: 1000,
 *   heartbeatTimeoutMs: 5000,
 *   callTimeoutMs: 30_000,
 *   restart: { maxRestarts: 5, windowMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 10_000 },
 * });
 * const coordinator = await system.start(coordinatorActor);
 * console.log(await coordinator.api.ping()); // "pong"
 * await system.shutdown({ timeoutMs: 5000 });
 * ```
 *
 * @module
 */
export {
  ActorHandle,
  type ActorMethod,
  type CallOptions,
  type MethodArgs,
  type MethodResult,
  type RemoteApi,
} from "./actor_handle.ts";
export { type ActorStateChange, ActorSystem } from "./actor_system.ts";
export { type RestartDecision, RestartPolicy } from "./restart_policy.ts";
export type {
  ActorDefinition,
  ActorState,
  ActorStatus,
  ActorSystemOptions,
  RestartOptions,
} from "./types.ts";
