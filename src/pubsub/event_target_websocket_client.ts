/**
 * Spoke side of the WebSocket transport. The socket is dedicated to pubsub:
 * every text frame on it is read as protocol, anything else is dropped as
 * malformed.
 *
 * ```ts ignore
 * const ws = new WebSocket("wss://hub.example/pubsub");
 * const pubsub = createPubSub<Events>({ eventTarget: createWebSocketClientEventTarget(ws) });
 * ```
 *
 * @module
 */

import type { LinkOptions } from "./_link.ts";
import { LinkEventTarget } from "./_link_target.ts";
import type { PubSubTransport } from "./types.ts";

/** Options of the WebSocket client transport. */
export type WebSocketClientEventTargetOptions = LinkOptions;

/** The spoke-side transport. */
export interface WebSocketClientEventTarget extends PubSubTransport {
  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

/**
 * Wraps `ws` (connecting or open). Frames queue until it opens. When the socket
 * closes, every subscription on the target ends; `close()` tells the server and
 * closes the socket with code 1000. Reconnecting means a new socket and target.
 */
export function createWebSocketClientEventTarget(
  ws: WebSocket,
  options: WebSocketClientEventTargetOptions = {},
): WebSocketClientEventTarget {
  const port = {
    get ready() {
      return ws.readyState === WebSocket.OPEN;
    },
    send: (frame: string) => ws.send(frame),
  };
  const onOpen = () => target.flush();
  const onMessage = (event: MessageEvent) => target.receive(event.data);
  const onClose = () => target.shutdown(false);
  const target = new LinkEventTarget(port, options, {
    detach(initiatedLocally) {
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("message", onMessage);
      ws.removeEventListener("close", onClose);
      if (initiatedLocally && ws.readyState <= WebSocket.OPEN) ws.close(1000, "pubsub closed");
    },
  });
  ws.addEventListener("open", onOpen);
  ws.addEventListener("message", onMessage);
  ws.addEventListener("close", onClose);
  return target;
}
