/**
 * The in-process shortcut between a caller and an executor of the same
 * process: the executor attaches itself to the caller for its location, and
 * calls to that location run the handler directly — same checks, deadline,
 * abort, output validation and error form as over the bus, without the two
 * bus round trips.
 *
 * @module
 */
import type { CallAbortReason, CallRequested } from "./protocol.ts";

/** One call running directly. */
export interface LocalRun {
  /** The validated output, or the error in the form the bus would have carried. */
  readonly result: Promise<unknown>;
  /** Aborts the handler; `result` then never settles (the caller has already answered). */
  abort(reason: CallAbortReason): void;
}

/** Runs one request at the executor's location. Access and input were checked by the caller. */
export type LocalDispatch = (request: CallRequested) => LocalRun;

/** The key of a location in a caller's local dispatch table. */
export function locationKey(location: { kind: string; id: string }): string {
  return `${location.kind}\0${location.id}`;
}
