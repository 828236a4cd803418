/**
 * One spoke socket served by the WebSocket server target: a link target whose
 * sends are guarded by the backpressure policy.
 *
 * @module
 */

import type { LinkOptions } from "./_link.ts";
import { LinkEventTarget } from "./_link_target.ts";
import type { EnvelopeEncoder } from "./protocol.ts";
import type { PubSubEvent, PubSubTransport } from "./types.ts";

/** A single spoke's target, as returned by `addConnection`. */
export interface ConnectionTarget extends PubSubTransport {
  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

/** What the server needs from it. */
export interface ConnectionOptions extends LinkOptions {
  maxBufferedBytes: number;
  /** Every event from this spoke, for the server-wide listeners. */
  onEvent(event: PubSubEvent): void;
  /** The spoke is gone (socket closed, slow consumer, or its target closed). */
  onGone(info: { slowConsumer: boolean; code?: number }): void;
  /** Shared by all connections, so an event sent to many spokes is encoded once. */
  encoder: EnvelopeEncoder;
}

/** Creates the target for `ws`; the server keeps it until `onGone`. */
export function createConnectionTarget(ws: WebSocket, options: ConnectionOptions): LinkEventTarget {
  const { maxBufferedBytes, onGone } = options;
  const port = {
    get ready() {
      return ws.readyState === WebSocket.OPEN;
    },
    send(frame: string) {
      // bufferedAmount is what the socket accepted but could not yet write:
      // a spoke that does not read makes it grow without bound.
      if (ws.bufferedAmount > maxBufferedBytes) {
        target.link.drops.drop("slowConsumer", {
          bytes: ws.bufferedAmount,
          detail: `unsent backlog exceeds maxBufferedBytes ${maxBufferedBytes}`,
        });
        ws.close(1008, "slow consumer");
        onGone({ slowConsumer: true, code: 1008 });
        return;
      }
      ws.send(frame);
    },
  };
  ws.binaryType = "arraybuffer";
  const onOpen = () => target.flush();
  const onMessage = (event: MessageEvent) => target.receive(event.data);
  const onClose = (event: CloseEvent) => onGone({ slowConsumer: false, code: event.code });
  const target: LinkEventTarget = new LinkEventTarget(port, options, {
    onRemoteEvent: options.onEvent,
    detach(initiatedLocally) {
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("message", onMessage);
      ws.removeEventListener("close", onClose);
      if (initiatedLocally && ws.readyState <= WebSocket.OPEN) ws.close(1000, "pubsub closed");
      onGone({ slowConsumer: false });
    },
  }, options.encoder);
  ws.addEventListener("open", onOpen);
  ws.addEventListener("message", onMessage);
  ws.addEventListener("close", onClose);
  return target;
}
