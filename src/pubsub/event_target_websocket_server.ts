/**
 * Hub side of the WebSocket transport: one target over many spoke sockets.
 *
 * - Dispatching on the server target delivers to its local listeners and to
 *   every connection that subscribed to the topic.
 * - Listening on the server target subscribes at every connection (present
 *   and future); events from any spoke reach its listeners.
 * - `addConnection(ws)` returns that spoke's own target: dispatch there goes
 *   to that spoke only, its listeners hear that spoke only.
 * - Spokes never hear each other: the server does not relay between them.
 *
 * Backpressure: before each frame to a spoke, if the socket's unsent backlog
 * (`ws.bufferedAmount`) exceeds `maxBufferedBytes`, the spoke is a slow
 * consumer: the frame is dropped, the socket closed with 1008, the drop counted
 * in `stats().dropped.slowConsumer` and reported to `onDrop` and `onDisconnection`.
 *
 * ```ts ignore
 * const hub = createWebSocketServerEventTarget({ maxBufferedBytes: 1 << 20 });
 * Deno.serve((req) => {
 *   const { socket, response } = Deno.upgradeWebSocket(req);
 *   hub.addConnection(socket);
 *   return response;
 * });
 * ```
 *
 * @module
 */

import { Drops } from "./_drops.ts";
import type { LinkOptions } from "./_link.ts";
import type { LinkEventTarget } from "./_link_target.ts";
import { ListenerRegistry } from "./_listener_registry.ts";
import { EnvelopeEncoder, isReserved } from "./protocol.ts";
import { type ConnectionTarget, createConnectionTarget } from "./_websocket_connection.ts";
import type {
  PubSubEvent,
  PubSubTransport,
  TransportStats,
  TypedEventListenerOrEventListenerObject,
} from "./types.ts";

export type { ConnectionTarget } from "./_websocket_connection.ts";

/** Why a connection left. */
export interface DisconnectionInfo {
  /** True when the server closed it for exceeding `maxBufferedBytes`. */
  readonly slowConsumer: boolean;
  /** The close code, when the socket reported one. */
  readonly code?: number;
}

/** Options of the WebSocket server transport. */
export interface WebSocketServerEventTargetOptions extends Omit<LinkOptions, "authorize"> {
  /** Unsent bytes a connection may accumulate before it is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Whether the spoke on `ws` may subscribe to `topic`; default allows every topic. */
  authorize?: (topic: string, ws: WebSocket) => boolean;
  onConnection?: (ws: WebSocket, target: ConnectionTarget) => void;
  onDisconnection?: (ws: WebSocket, info: DisconnectionInfo) => void;
}

/** The hub-side transport. */
export interface WebSocketServerEventTarget extends PubSubTransport {
  /** Starts serving `ws` (connecting or open); returns its per-connection target. */
  addConnection(ws: WebSocket): ConnectionTarget;
  /** Stops serving `ws`: both sides' subscriptions end; the socket itself is left open. */
  removeConnection(ws: WebSocket): void;
  /** The per-connection target of `ws`, if it is served. */
  connection(ws: WebSocket): ConnectionTarget | undefined;
  /** Number of served connections. */
  readonly size: number;
  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;

/** Creates the hub-side target; see the module doc for routing and backpressure. */
export function createWebSocketServerEventTarget(
  options: WebSocketServerEventTargetOptions = {},
): WebSocketServerEventTarget {
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const connections = new Map<WebSocket, LinkEventTarget>();
  // Counters of connections that are gone, so stats() stays monotonic.
  const retired = new Drops();
  let retiredTraffic = { sent: 0, received: 0 };
  let closed = false;
  const encoder = new EnvelopeEncoder();
  const registry = new ListenerRegistry({
    onFirst: (topic) => connections.forEach((c) => c.link.retain(topic)),
    onLast: (topic) => connections.forEach((c) => c.link.release(topic)),
  });

  function remove(ws: WebSocket, info: DisconnectionInfo): void {
    const connection = connections.get(ws);
    if (connection === undefined) return;
    connections.delete(ws);
    const stats = connection.stats();
    for (const [reason, count] of Object.entries(stats.dropped)) {
      retired.counts[reason as keyof Drops["counts"]] += count;
    }
    retiredTraffic = {
      sent: retiredTraffic.sent + stats.sent,
      received: retiredTraffic.received + stats.received,
    };
    connection.shutdown(false);
    try {
      options.onDisconnection?.(ws, info);
    } catch (error) {
      reportError(error);
    }
  }

  const server: WebSocketServerEventTarget = {
    addConnection(ws) {
      if (closed) throw new TypeError("Cannot add connection: the server target is closed");
      const existing = connections.get(ws);
      if (existing !== undefined) return existing;
      const { authorize } = options;
      const connection = createConnectionTarget(ws, {
        maxPayloadBytes: options.maxPayloadBytes,
        maxRemoteTopics: options.maxRemoteTopics,
        onDrop: options.onDrop,
        authorize: authorize && ((topic) => authorize(topic, ws)),
        maxBufferedBytes,
        onEvent: (event) => registry.dispatch(event),
        onGone: (info) => remove(ws, info),
        encoder,
      });
      connections.set(ws, connection);
      for (const topic of registry.topics()) connection.link.retain(topic);
      try {
        options.onConnection?.(ws, connection);
      } catch (error) {
        reportError(error);
      }
      return connection;
    },
    removeConnection(ws) {
      connections.get(ws)?.link.close(true); // tell the spoke, so its subscriptions end too
      remove(ws, { slowConsumer: false });
    },
    connection: (ws) => connections.get(ws),
    get size() {
      return connections.size;
    },
    listenerCount: (topic) => registry.count(topic),
    addEventListener(topic: string, listener: Listener, opts?: AddEventListenerOptions | boolean) {
      registry.add(topic, listener, opts);
    },
    removeEventListener: (topic: string, listener: Listener) => registry.remove(topic, listener),
    dispatchEvent(event: PubSubEvent) {
      if (closed) return false;
      registry.dispatch(event);
      if (!isReserved(event.type)) { for (const c of connections.values()) c.link.forward(event); }
      return true;
    },
    async sync() {
      await Promise.all([...connections.values()].map((c) => c.link.sync()));
    },
    stats(): TransportStats {
      const total = { ...retired.counts };
      let { sent, received } = retiredTraffic;
      const remote = new Set<string>();
      for (const { link } of connections.values()) {
        const stats = link.stats();
        for (const [reason, count] of Object.entries(stats.dropped)) {
          total[reason as keyof Drops["counts"]] += count;
        }
        sent += stats.sent;
        received += stats.received;
        for (const topic of link.remoteTopics()) remote.add(topic);
      }
      const localTopics = registry.topics().filter((topic) => !isReserved(topic)).length;
      return { dropped: total, sent, received, localTopics, remoteTopics: remote.size };
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const [ws, connection] of connections) {
        connection.link.close(true);
        if (ws.readyState <= WebSocket.OPEN) ws.close(1001, "pubsub server closed");
        remove(ws, { slowConsumer: false, code: 1001 });
      }
      registry.close();
      return Promise.resolve();
    },
  };
  return server;
}
