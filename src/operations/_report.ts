/**
 * Where a failure inside a callback goes. Not `reportError`: in Deno an
 * unhandled reported error ends the process, and one buggy listener must not
 * take the hub down. Logged instead — to the given logger, else the console.
 *
 * @module
 */
import type { OperationLog } from "./context.ts";

/** Logs `error` as `<what>: <message>`; never throws. */
export function reportFailure(what: string, error: unknown, log?: OperationLog): void {
  try {
    if (log) log.error(`${what}: {message}`, { message: (error as Error)?.message, error });
    else console.error(`${what}:`, error);
  } catch {
    // A failing logger leaves nowhere to report to.
  }
}
