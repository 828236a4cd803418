/**
 * The lifecycle messages exchanged on a Worker's own channel between the
 * supervisor and the actor runtime. RPC never travels here: it has its own
 * transferred port (comlink), so a flood of calls cannot delay a heartbeat
 * and a lifecycle message can never be mistaken for a call.
 *
 * @module
 */
import type { LogFormat, LogLevel } from "../logging/mod.ts";
import type { SerializedError } from "@hub/errors";

/**
 * The ports transferred to an actor at `init`, one per plane. The pubsub data
 * plane joins as another optional field, so every port stays one transfer.
 */
export interface ActorPorts {
  /** The control plane: comlink requests into the actor's API. */
  rpc: MessagePort;
  /** The data plane: the actor's pubsub link to the supervisor's router. */
  events: MessagePort;
}

/** Supervisor → actor: boot the actor. The first message a worker receives. */
export interface InitMessage {
  type: "init";
  actorId: string;
  kind: string;
  options: unknown;
  logging: { format: LogFormat; level?: LogLevel };
  heartbeatIntervalMs: number;
  ports: ActorPorts;
}

/** Supervisor → actor: abort work, run the stop hooks, then close. */
export interface StopMessage {
  type: "stop";
}

/** Every message the supervisor sends on the worker channel. */
export type ControlMessage = InitMessage | StopMessage;

/** Actor → supervisor: the API is exposed on the rpc port. */
export interface ReadyMessage {
  type: "ready";
}

/** Actor → supervisor: the actor's event loop is turning. */
export interface HeartbeatMessage {
  type: "heartbeat";
}

/** Actor → supervisor: an error escaped the actor; it closes right after this message. */
export interface FatalMessage {
  type: "fatal";
  /** `startup` when the factory failed, so the supervisor can say the spawn failed. */
  phase: "startup" | "running";
  error: SerializedError;
}

/** Actor → supervisor: the actor is closing on purpose (`self.close()` or a `stop`). */
export interface ClosingMessage {
  type: "closing";
  reason: "self" | "stop";
}

/** Every message an actor sends on the worker channel. */
export type ActorReport = ReadyMessage | HeartbeatMessage | FatalMessage | ClosingMessage;

/**
 * How an error thrown by an actor method crosses comlink. comlink keeps only
 * `message`, `name` and `stack` of an Error, so the runtime throws this plain
 * object instead and the handle rebuilds the HubError with its code.
 */
export interface RemoteError {
  hubError: SerializedError;
}

/** True when a rejection from comlink carries a serialized actor error. */
export function isRemoteError(value: unknown): value is RemoteError {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<RemoteError>).hubError?.message === "string";
}
