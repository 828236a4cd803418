/**
 * WebSocket transport throughput over loopback, hub → spoke (server publishes,
 * client receives), against raw `ws.send(JSON.stringify(payload))` per event
 * with `JSON.parse` on receipt.
 *
 *   deno run -A bench/pubsub_websocket.ts [events=100000] [rounds=3]
 *
 * @module
 */

import {
  createPubSub,
  createWebSocketClientEventTarget,
  createWebSocketServerEventTarget,
} from "@alkdev/pubsub";
import { bestOfRounds } from "./_transport_rounds.ts";

type Events = { bench: Record<string, unknown> };
type Mode = "raw" | "transport" | "pubsub";

function payloadOf(bytes: number): Record<string, unknown> {
  return { seq: 0, kind: "session.status", text: "x".repeat(Math.max(0, bytes - 60)), ok: true };
}

async function run(mode: Mode, events: number, bytes: number): Promise<number> {
  const payload = payloadOf(bytes);
  const server = createWebSocketServerEventTarget({ maxBufferedBytes: 256 * 1024 * 1024 });
  const serverSocket = Promise.withResolvers<WebSocket>();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    if (mode === "raw") socket.addEventListener("open", () => serverSocket.resolve(socket));
    else server.addConnection(socket);
    return response;
  });
  const ws = new WebSocket(`ws://127.0.0.1:${http.addr.port}`);
  const { promise: done, resolve } = Promise.withResolvers<void>();
  let received = 0;
  let publish: () => void;
  if (mode === "raw") {
    ws.onmessage = (event) => {
      JSON.parse(event.data);
      if (++received === events) resolve();
    };
    const socket = await serverSocket.promise;
    publish = () => {
      for (let i = 0; i < events; i++) socket.send(JSON.stringify(payload));
    };
  } else {
    const client = createWebSocketClientEventTarget(ws);
    if (mode === "transport") {
      client.addEventListener("bench:a", () => ++received === events && resolve());
    } else {
      const pubsub = createPubSub<Events>({ eventTarget: client, maxQueuedEvents: Infinity });
      (async () => {
        for await (const _ of pubsub.subscribe("bench", "a")) if (++received === events) break;
        resolve();
      })();
    }
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    await client.sync(); // the server knows about the subscription
    const hub = createPubSub<Events>({ eventTarget: server });
    publish = () => {
      for (let i = 0; i < events; i++) hub.publish("bench", "a", payload);
    };
  }
  const start = performance.now();
  publish();
  await done;
  const seconds = (performance.now() - start) / 1000;
  await server.close();
  ws.close();
  await http.shutdown();
  return events / seconds;
}

const events = Number(Deno.args[0] ?? 100_000);
const rounds = Number(Deno.args[1] ?? 3);
const { rows, result } = await bestOfRounds(
  {
    raw: "raw ws.send + JSON.parse",
    transport: "ws target → listener",
    pubsub: "pubsub → for await",
  },
  rounds,
  (mode, bytes) => run(mode, events, bytes),
);
console.log(
  `websocket transport, server → client over loopback, ${events} events, best of ${rounds}`,
);
console.table(rows);
console.log(JSON.stringify({ bench: "pubsub_websocket", events, rounds, ...result }));
