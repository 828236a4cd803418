/**
 * Turns the four call-protocol events into "a call started" and "a call
 * ended (how)". Malformed payloads (from another process) are skipped.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import {
  type CallEventMap,
  type CallEventType,
  type CallRequested,
  type ErrorCode,
  isCallEvent,
  listen,
  type OperationLog,
} from "@alkdev/operations";
import type { CallStatus } from "./call_record.ts";

/** How and when a call ended. */
export interface Terminal {
  requestId: string;
  status: Exclude<CallStatus, "running">;
  errorCode?: ErrorCode;
  /** Epoch ms. */
  at: number;
}

/** Callbacks of {@linkcode observeCalls}. */
export interface CallObserver {
  /** `location` is the pubsub id the request was published under. */
  requested(request: CallRequested, location: string): void;
  ended(terminal: Terminal): void;
}

function statusOf(code: ErrorCode): Terminal["status"] {
  return code === "timeout" ? "timeout" : code === "aborted" ? "aborted" : "error";
}

/** Observes every call on `pubsub`; `close()` stops. */
export function observeCalls(
  pubsub: PubSub<CallEventMap>,
  observer: CallObserver,
  log?: OperationLog,
): { close(): Promise<void> } {
  // Payloads from other processes are untrusted: malformed ones are skipped.
  const watch = <K extends CallEventType>(
    type: K,
    onPayload: (payload: CallEventMap[K], id: string) => void,
  ) =>
    listen(pubsub, type, ({ payload, id }) => {
      if (isCallEvent(type, payload)) onPayload(payload, id);
    }, { log });
  const subscriptions = [
    watch("call.requested", (payload, id) => observer.requested(payload, id)),
    watch(
      "call.responded",
      (payload) => observer.ended({ requestId: payload.requestId, status: "ok", at: Date.now() }),
    ),
    watch("call.error", (payload) => {
      const code = payload.error.code as ErrorCode;
      observer.ended({
        requestId: payload.requestId,
        status: statusOf(code),
        errorCode: code,
        at: Date.now(),
      });
    }),
    watch("call.aborted", (payload) =>
      observer.ended({
        requestId: payload.requestId,
        status: payload.reason,
        errorCode: payload.reason,
        at: Date.now(),
      })),
  ];
  return {
    close: async () => void await Promise.all(subscriptions.map((s) => s.close())),
  };
}
