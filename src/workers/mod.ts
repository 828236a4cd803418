/**
 * The worker side of every actor: {@linkcode runActor} boots an actor inside
 * a Worker (error trapping, comlink exposure, heartbeats, logging), and the
 * protocol types are what it exchanges with the supervisor.
 *
 * ```ts
 * // src/workers/my_actor.ts
 * import { runActor } from "./mod.ts";
 * runActor((ctx) => ({ hello: (name: string) => `hello ${name} from ${ctx.actorId}` }));
 * ```
 *
 * @module
 */
export type { ActorContext, ActorFactory } from "./actor_context.ts";
export {
  type ActorPorts,
  type ActorReport,
  type ClosingMessage,
  type ControlMessage,
  type FatalMessage,
  type HeartbeatMessage,
  type InitMessage,
  isRemoteError,
  type ReadyMessage,
  type RemoteError,
  type StopMessage,
} from "./protocol.ts";
export { runActor } from "./runtime.ts";
