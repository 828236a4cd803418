/**
 * Calls that never cross the bus — a call served in the caller's own process
 * (dispatched directly) or refused before dispatch — are reported to the
 * caller's observers instead, so a call graph still sees every call.
 *
 * ```ts ignore
 * const stop = caller.observe(callGraph); // requested(request, location), ended(end)
 * ```
 *
 * @module
 */
import type { ErrorCode } from "@hub/errors";
import type { CallRequested } from "./protocol.ts";

/** How a call ended. */
export type CallEndStatus = "ok" | "error" | "timeout" | "aborted";

/** The end of one call. */
export interface CallEnd {
  readonly requestId: string;
  readonly status: CallEndStatus;
  readonly errorCode?: ErrorCode;
  /** What ran the call, when its location is a pool (a spoke id). */
  readonly runner?: string;
  /** Epoch ms. */
  readonly at: number;
}

/** Told about calls; `location` is the id of the location the call was addressed to. */
export interface CallObserver {
  requested(request: CallRequested, location: string): void;
  ended(end: CallEnd): void;
}

/** The end of `requestId` from its error code, or `ok` without one. */
export function callEnd(requestId: string, code?: ErrorCode, at = Date.now()): CallEnd {
  if (code === undefined) return { requestId, status: "ok", at };
  const status = code === "timeout" ? "timeout" : code === "aborted" ? "aborted" : "error";
  return { requestId, status, errorCode: code, at };
}
