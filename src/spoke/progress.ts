/**
 * Progress of a running spoke call. A handler defined with `defineOperation`
 * gets the plain `OperationContext`; on a spoke, `reportProgress(ctx, value)`
 * sends `call.progress` to the hub, which publishes it on its bus under the
 * call's request id (`call.progress:<requestId>`).
 *
 * @module
 */
import type { OperationContext } from "@alkdev/operations";

const reporters = new WeakMap<OperationContext, (progress: unknown) => void>();

/** Binds a context to the function that sends its progress (SDK internal). */
export function bindProgress(ctx: OperationContext, send: (progress: unknown) => void): void {
  reporters.set(ctx, send);
}

/**
 * Reports progress (any JSON value) of the call `ctx` belongs to. Returns
 * false when the call does not run on a spoke or has already ended.
 */
export function reportProgress(ctx: OperationContext, progress: unknown): boolean {
  const send = reporters.get(ctx);
  if (!send || ctx.signal.aborted) return false;
  send(progress);
  return true;
}
