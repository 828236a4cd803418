/**
 * The call protocol: four pubsub events, one exchange per call.
 *
 * | event            | pubsub id            | payload                                        |
 * | ---------------- | -------------------- | ---------------------------------------------- |
 * | `call.requested` | target location id   | requestId, parent/root ids, operation, input, deadline, identity, clientRequestId? |
 * | `call.responded` | requestId            | requestId, output, runner?                     |
 * | `call.error`     | requestId            | requestId, error (SerializedError), runner?    |
 * | `call.aborted`   | requestId            | requestId, reason                              |
 *
 * `runner` names what ran the call when the location is a pool (a spoke id
 * when the request went to `spokes`); the call graph records it.
 *
 * Payloads from other processes are untrusted: both ends check them with the
 * compiled guards below and ignore anything malformed.
 *
 * @module
 */
import Type from "typebox";
import type { Identity } from "./access.ts";
import type { SerializedError } from "@hub/errors";
import { compileSchema } from "./validation.ts";

/** Asks the handler at a location to run an operation. */
export interface CallRequested {
  readonly requestId: string;
  /** The call this one is part of; builds the call graph. */
  readonly parentRequestId?: string;
  /** The outermost call of the tree; absent on a root call (it is its own root). */
  readonly rootRequestId?: string;
  readonly operation: string;
  readonly input: unknown;
  /** Epoch ms after which nobody waits for the answer. */
  readonly deadline: number;
  readonly identity: Identity;
  /** The id the client gave its request (an HTTP `x-request-id`), kept beside the hub's own. */
  readonly clientRequestId?: string;
}

/** The handler's valid output. */
export interface CallResponded {
  readonly requestId: string;
  readonly output: unknown;
  /** What ran it, when the location is a pool (a spoke id). */
  readonly runner?: string;
}

/** The handler's failure, as a closed-set error code. */
export interface CallErrored {
  readonly requestId: string;
  readonly error: SerializedError;
  /** What ran it, when the location is a pool and the call reached a runner. */
  readonly runner?: string;
}

/** Why a caller stopped waiting: its deadline passed, or it was aborted. */
export type CallAbortReason = "timeout" | "aborted";

/** The caller stopped waiting; the handler should stop working. */
export interface CallAborted {
  readonly requestId: string;
  readonly reason: CallAbortReason;
}

/** Event type → payload of the call protocol; a hub's event map includes it. */
export interface CallEventMap {
  "call.requested": CallRequested;
  "call.responded": CallResponded;
  "call.error": CallErrored;
  "call.aborted": CallAborted;
}

/** A call protocol event type. */
export type CallEventType = keyof CallEventMap;

/** The event type names, as literals. */
export const CALL_EVENTS = {
  requested: "call.requested",
  responded: "call.responded",
  error: "call.error",
  aborted: "call.aborted",
} as const satisfies Record<string, CallEventType>;

/**
 * A request id: 1 to 128 characters, no control characters (PostgreSQL
 * refuses NUL in text, so such an id could never be stored or looked up).
 */
export const RequestIdSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[^\\x00-\\x1f\\x7f]+$",
});
const RequestId = RequestIdSchema;

/** JSON Schemas of the payloads, for spokes and other-language peers. */
export const CallEventSchemas = {
  "call.requested": Type.Object({
    requestId: RequestId,
    parentRequestId: Type.Optional(RequestId),
    rootRequestId: Type.Optional(RequestId),
    operation: Type.String({ minLength: 1, maxLength: 128 }),
    input: Type.Unknown(),
    deadline: Type.Number(),
    identity: Type.Object({
      keyId: Type.Optional(Type.String()),
      scopes: Type.Array(Type.String()),
      via: Type.String(),
    }),
    clientRequestId: Type.Optional(RequestId),
  }),
  "call.responded": Type.Object({
    requestId: RequestId,
    output: Type.Unknown(),
    runner: Type.Optional(RequestId),
  }),
  "call.error": Type.Object({
    requestId: RequestId,
    runner: Type.Optional(RequestId),
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  }),
  "call.aborted": Type.Object({
    requestId: RequestId,
    reason: Type.Union([Type.Literal("timeout"), Type.Literal("aborted")]),
  }),
};

const guards = {
  "call.requested": compileSchema(CallEventSchemas["call.requested"], "call.requested schema"),
  "call.responded": compileSchema(CallEventSchemas["call.responded"], "call.responded schema"),
  "call.error": compileSchema(CallEventSchemas["call.error"], "call.error schema"),
  "call.aborted": compileSchema(CallEventSchemas["call.aborted"], "call.aborted schema"),
};

/** True when `payload` is a well-formed payload of `type`. */
export function isCallEvent<K extends CallEventType>(
  type: K,
  payload: unknown,
): payload is CallEventMap[K] {
  return guards[type].Check(payload);
}
