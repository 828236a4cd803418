/**
 * One "pair" per transport for the conformance suite: a publisher on the far
 * side and a pubsub on the near side, over the real channel (a Worker, a
 * loopback WebSocket, Redis).
 *
 * @module
 */

import { Redis } from "ioredis";
import {
  createInProcessEventTarget,
  createPubSub,
  createRedisEventTarget,
  createWebSocketClientEventTarget,
  createWebSocketServerEventTarget,
  createWorkerHostEventTarget,
  type DropInfo,
  type DropReason,
  type PubSub,
  type PubSubTransport,
  type TransportStats,
} from "@alkdev/pubsub";
import { TEST_REDIS_URL } from "../helpers/services.ts";
import type { TestEvents } from "./_events.ts";

/** Frames above this are oversized in the conformance suite. */
export const MAX_PAYLOAD_BYTES = 4096;

type NearTarget = PubSubTransport & { listenerCount(topic?: string): number };

export interface Pair {
  /** Publishes on the far side. */
  publish<K extends keyof TestEvents>(type: K, id: string, payload: TestEvents[K]): void;
  /** The pubsub on the near side. */
  subscriber: PubSub<TestEvents>;
  near: NearTarget;
  /** Topics the far side forwards to the near side (Redis: channels with subscribers). */
  farTopics(): Promise<number>;
  /** Writes a raw frame into the near side's inbound channel; absent in-process. */
  injectRaw?(topic: string, data: string): Promise<void>;
  /** Every drop the near side reported. */
  drops: Array<[DropReason, DropInfo]>;
  close(): Promise<void>;
}

export interface PairFactory {
  name: string;
  ignore?: boolean;
  create(): Promise<Pair>;
}

function nearOptions() {
  const drops: Array<[DropReason, DropInfo]> = [];
  const onDrop = (reason: DropReason, info: DropInfo) => void drops.push([reason, info]);
  return { drops, options: { maxPayloadBytes: MAX_PAYLOAD_BYTES, onDrop } };
}

function inProcess(): Promise<Pair> {
  const near = createInProcessEventTarget();
  const far = createPubSub<TestEvents>({ eventTarget: near });
  return Promise.resolve({
    publish: (type, id, payload) => far.publish(type, id, payload),
    subscriber: createPubSub<TestEvents>({ eventTarget: near }),
    near,
    farTopics: () => Promise.resolve(near.stats().localTopics),
    drops: [],
    close: () => near.close(),
  });
}

/** The host side is near; the fixture worker publishes over a transferred port. */
async function workerThreadToHost(): Promise<Pair> {
  const worker = new Worker(new URL("./fixtures/peer_worker.ts", import.meta.url), {
    type: "module",
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    console.error("peer worker failed:", event.message);
  });
  let seq = 0;
  const call = (message: Record<string, unknown>, transfer: Transferable[] = []) => {
    const id = ++seq;
    const { promise, resolve } = Promise.withResolvers<{ stats?: TransportStats }>();
    const onReply = (event: MessageEvent) => {
      if (event.data?.seq !== id) return;
      worker.removeEventListener("message", onReply);
      resolve(event.data);
    };
    worker.addEventListener("message", onReply);
    worker.postMessage({ ...message, seq: id }, transfer);
    return promise;
  };
  const channel = new MessageChannel();
  await call({ cmd: "init", port: channel.port2, maxPayloadBytes: MAX_PAYLOAD_BYTES }, [
    channel.port2,
  ]);
  const { drops, options } = nearOptions();
  const near = createWorkerHostEventTarget(channel.port1, options);
  return {
    publish: (type, id, payload) => worker.postMessage({ cmd: "publish", type, id, payload }),
    subscriber: createPubSub<TestEvents>({ eventTarget: near }),
    near,
    farTopics: async () => (await call({ cmd: "stats" })).stats!.remoteTopics,
    injectRaw: (_topic, data) => Promise.resolve(worker.postMessage({ cmd: "raw", data })),
    drops,
    async close() {
      await near.close();
      channel.port1.close();
      worker.terminate();
    },
  };
}

/** A loopback server with one connected client; `direction` picks the near side. */
export async function startWebSocket(
  options: Parameters<typeof createWebSocketServerEventTarget>[0] = {},
) {
  const connected = Promise.withResolvers<WebSocket>();
  const server = createWebSocketServerEventTarget({
    ...options,
    onConnection: (ws, target) => {
      options.onConnection?.(ws, target);
      connected.resolve(ws);
    },
  });
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    server.addConnection(socket);
    return response;
  });
  const ws = new WebSocket(`ws://127.0.0.1:${http.addr.port}`);
  const opened = new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
  const serverSocket = await connected.promise;
  return {
    server,
    http,
    ws,
    serverSocket,
    opened,
    async close() {
      await server.close();
      if (ws.readyState <= WebSocket.OPEN) ws.close();
      await http.shutdown();
    },
  };
}

async function webSocket(near: "client" | "server"): Promise<Pair> {
  const { drops, options } = nearOptions();
  // Both ends share the frame limit; only the near end reports drops.
  const farOptions = { maxPayloadBytes: MAX_PAYLOAD_BYTES };
  const link = await startWebSocket(near === "server" ? options : farOptions);
  const client = createWebSocketClientEventTarget(
    link.ws,
    near === "client" ? options : farOptions,
  );
  await link.opened;
  const [nearTarget, farTarget] = near === "client" ? [client, link.server] : [link.server, client];
  const far = createPubSub<TestEvents>({ eventTarget: farTarget });
  const rawSocket = near === "client" ? link.serverSocket : link.ws;
  return {
    publish: (type, id, payload) => far.publish(type, id, payload),
    subscriber: createPubSub<TestEvents>({ eventTarget: nearTarget }),
    near: nearTarget,
    farTopics: () => Promise.resolve(farTarget.stats().remoteTopics),
    injectRaw: (_topic, data) => Promise.resolve(rawSocket.send(data)),
    drops,
    async close() {
      await client.close();
      await link.close();
    },
  };
}

function redis(): Promise<Pair> {
  const prefix = `test:pubsub:${crypto.randomUUID()}:`;
  const clients = [0, 1, 2, 3].map(() => new Redis(TEST_REDIS_URL!));
  const [nearPub, nearSub, farPub, farSub] = clients;
  const { drops, options } = nearOptions();
  const near = createRedisEventTarget({
    publishClient: nearPub,
    subscribeClient: nearSub,
    prefix,
    ...options,
  });
  const farTarget = createRedisEventTarget({
    publishClient: farPub,
    subscribeClient: farSub,
    prefix,
  });
  const far = createPubSub<TestEvents>({ eventTarget: farTarget });
  return Promise.resolve({
    publish: (type, id, payload) => far.publish(type, id, payload),
    subscriber: createPubSub<TestEvents>({ eventTarget: near }),
    near,
    farTopics: async () => (await farPub.pubsub("CHANNELS", `${prefix}*`) as string[]).length,
    injectRaw: async (topic, data) => void await farPub.publish(prefix + topic, data),
    drops,
    async close() {
      await near.close();
      await farTarget.close();
      await Promise.all(clients.map((client) => client.quit()));
    },
  });
}

/** Every transport, in the order the suite runs them. */
export const PAIRS: PairFactory[] = [
  { name: "in-process", create: inProcess },
  { name: "worker (thread → host, MessagePort)", create: workerThreadToHost },
  { name: "websocket (server → client)", create: () => webSocket("client") },
  { name: "websocket (client → server)", create: () => webSocket("server") },
  { name: "[redis] redis", ignore: !TEST_REDIS_URL, create: redis },
];
