/**
 * A link target over anything with `postMessage` and message events: a
 * `Worker`, a `MessagePort`, or a worker's own global scope.
 *
 * @module
 */

import type { LinkOptions } from "./_link.ts";
import { LinkEventTarget } from "./_link_target.ts";
import type { PubSubTransport } from "./types.ts";

/** The part of `Worker`, `MessagePort` and a worker scope the link uses. */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: "message" | "messageerror", listener: (event: MessageEvent) => void): void;
  removeEventListener(
    type: "message" | "messageerror",
    listener: (event: MessageEvent) => void,
  ): void;
  /** MessagePort only: starts delivery, which `addEventListener` alone does not. */
  start?(): void;
}

/** Options of the Worker transports. */
export type WorkerEventTargetOptions = LinkOptions;

/** A Worker-side or host-side transport. */
export interface WorkerEventTarget extends PubSubTransport {
  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

/** Wires a {@link LinkEventTarget} to a message endpoint. */
export function createPortTarget(
  endpoint: MessageEndpoint,
  options: WorkerEventTargetOptions = {},
): WorkerEventTarget {
  const onMessage = (event: MessageEvent) => target.receive(event.data);
  // A message that fails to deserialize still counts as bad input.
  const onMessageError = () => target.receive(undefined);
  const port = { ready: true, send: (frame: string) => endpoint.postMessage(frame) };
  const target = new LinkEventTarget(port, options, {
    detach() {
      // The endpoint belongs to the caller (it may carry other traffic): detach, never close it.
      endpoint.removeEventListener("message", onMessage);
      endpoint.removeEventListener("messageerror", onMessageError);
    },
  });
  endpoint.addEventListener("message", onMessage);
  endpoint.addEventListener("messageerror", onMessageError);
  endpoint.start?.();
  return target;
}
