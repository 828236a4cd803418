/**
 * Turns the four call-protocol events into "a call started" and "a call
 * ended (how)" — the same {@linkcode CallObserver} a caller reports its
 * direct calls to. Malformed payloads (from another process) are skipped.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import {
  type CallEnd,
  callEnd,
  type CallEventMap,
  type CallEventType,
  type CallObserver,
  isCallEvent,
  listen,
  type OperationLog,
} from "@alkdev/operations";
import { type ErrorCode } from "@hub/errors";

function withRunner(end: CallEnd, runner: string | undefined): CallEnd {
  return runner === undefined ? end : { ...end, runner };
}

/** Observes every call on `pubsub` (`location` = the id a request was published under); `close()` stops. */
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
      (payload) => observer.ended(withRunner(callEnd(payload.requestId), payload.runner)),
    ),
    watch("call.error", (payload) =>
      observer.ended(
        withRunner(callEnd(payload.requestId, payload.error.code as ErrorCode), payload.runner),
      )),
    watch("call.aborted", (payload) => observer.ended(callEnd(payload.requestId, payload.reason))),
  ];
  return {
    close: async () => void await Promise.all(subscriptions.map((s) => s.close())),
  };
}
