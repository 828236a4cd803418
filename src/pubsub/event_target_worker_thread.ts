/**
 * Thread side of the Worker transport: runs inside the worker over its global
 * scope (`self.postMessage`) or over a `MessagePort` the host transferred.
 *
 * ```ts ignore
 * // inside the worker, before any top-level await:
 * const pubsub = createPubSub<Events>({ eventTarget: createWorkerThreadEventTarget() });
 * ```
 *
 * @module
 */

import {
  createPortTarget,
  type MessageEndpoint,
  type WorkerEventTarget,
  type WorkerEventTargetOptions,
} from "./_port_target.ts";

export type { WorkerEventTarget, WorkerEventTargetOptions } from "./_port_target.ts";

/**
 * Creates the thread side of a Worker link, over `port` or the worker's global
 * scope. Create it before any top-level `await` so no early frame is missed.
 */
export function createWorkerThreadEventTarget(
  port?: MessagePort,
  options?: WorkerEventTargetOptions,
): WorkerEventTarget {
  return createPortTarget(port ?? (globalThis as unknown as MessageEndpoint), options);
}
