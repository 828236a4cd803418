/**
 * The `ctx.call` a handler gets: a call made as part of the current one. The
 * identity carries over (a handler can never do more than its caller may),
 * the child's deadline is capped at the parent's, and aborting the parent
 * aborts the child.
 *
 * @module
 */
import type { Caller } from "./caller.ts";
import type { NestedCall, NestedCallOptions } from "./context.ts";
import type { OperationDefinition } from "./define_operation.ts";
import { HubError } from "@hub/errors";
import type { CallRequested } from "./protocol.ts";

/** Builds the nested-call function of one running request. */
export function nestedCall(
  caller: Caller | undefined,
  parent: CallRequested,
  parentSignal: () => AbortSignal,
): NestedCall {
  const nested = (
    operation: string | OperationDefinition,
    input: unknown,
    options: NestedCallOptions = {},
  ): Promise<unknown> => {
    const name = typeof operation === "string" ? operation : operation.name;
    if (caller === undefined) {
      return Promise.reject(
        new HubError(
          "unavailable",
          `Cannot call operation "${name}" from "${parent.operation}": this location has no caller`,
        ),
      );
    }
    const remaining = parent.deadline - Date.now();
    if (remaining <= 0) {
      return Promise.reject(
        new HubError(
          "timeout",
          `Cannot call operation "${name}": the parent call passed its deadline`,
        ),
      );
    }
    const signal = parentSignal();
    return caller.call(name, input, {
      identity: parent.identity,
      parentRequestId: parent.requestId,
      rootRequestId: parent.rootRequestId ?? parent.requestId,
      timeoutMs: Math.min(options.timeoutMs ?? remaining, remaining),
      signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal,
    });
  };
  return nested as NestedCall;
}
