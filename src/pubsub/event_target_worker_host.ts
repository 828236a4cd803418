/**
 * Host side of the Worker transport: wraps a `Worker`, or a `MessagePort`
 * transferred to one (so pubsub can run beside a separate control channel).
 *
 * ```ts ignore
 * const channel = new MessageChannel();
 * worker.postMessage({ pubsubPort: channel.port2 }, [channel.port2]);
 * const pubsub = createPubSub<Events>({ eventTarget: createWorkerHostEventTarget(channel.port1) });
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
 * Creates the host side of a Worker link. Only topics the thread subscribed to
 * are sent to it; `close()` tells the thread and detaches, but neither
 * terminates the worker nor closes the port (the caller owns them).
 */
export function createWorkerHostEventTarget(
  worker: Worker | MessagePort,
  options?: WorkerEventTargetOptions,
): WorkerEventTarget {
  return createPortTarget(worker as MessageEndpoint, options);
}
