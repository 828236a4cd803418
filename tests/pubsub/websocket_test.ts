import assert from "node:assert/strict";
import {
  createPubSub,
  createWebSocketClientEventTarget,
  createWebSocketServerEventTarget,
  type DisconnectionInfo,
  type DropReason,
} from "@alkdev/pubsub";
import type { TestEvents } from "./_events.ts";
import { startWebSocket } from "./_pairs.ts";

/** A client text frame (clients must mask), for a peer that speaks raw TCP. */
function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  assert.ok(payload.length < 126);
  const mask = [0x12, 0x34, 0x56, 0x78];
  const frame = new Uint8Array([0x81, 0x80 | payload.length, ...mask, ...payload]);
  for (let i = 0; i < payload.length; i++) frame[6 + i] ^= mask[i % 4];
  return frame;
}

Deno.test("websocket server drops a spoke that stops reading once its backlog exceeds maxBufferedBytes", async () => {
  const drops: DropReason[] = [];
  const gone = Promise.withResolvers<DisconnectionInfo>();
  const server = createWebSocketServerEventTarget({
    maxBufferedBytes: 512 * 1024,
    onDrop: (reason) => drops.push(reason),
    onDisconnection: (_ws, info) => gone.resolve(info),
  });
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    server.addConnection(socket);
    return response;
  });
  // A spoke that subscribes and then never reads again.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: http.addr.port });
  await conn.write(new TextEncoder().encode(
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  ));
  // Subscribe, then read until the pong: the link is ordered, so the subscription is in place.
  await conn.write(
    maskedTextFrame('[{"type":"__subscribe","topic":"marker"},{"type":"__ping","seq":1}]'),
  );
  const buffer = new Uint8Array(1024);
  let received = "";
  while (!received.includes("__pong")) {
    const read = await conn.read(buffer);
    assert.ok(read !== null, "the server closed before answering");
    received += new TextDecoder().decode(buffer.subarray(0, read));
  }
  assert.equal(server.stats().remoteTopics, 1);
  const pubsub = createPubSub<TestEvents>({ eventTarget: server });
  const chunk = "x".repeat(64 * 1024);
  let disconnected: DisconnectionInfo | undefined;
  gone.promise.then((info) => disconnected = info);
  // Bounded: loopback kernel buffers take a few MB before bufferedAmount grows.
  for (let i = 0; i < 2000 && disconnected === undefined; i++) {
    pubsub.publish("marker", "m", { m: chunk });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.deepEqual(await gone.promise, { slowConsumer: true, code: 1008 });
  assert.equal(server.size, 0);
  assert.equal(server.stats().dropped.slowConsumer, 1);
  assert.ok(drops.includes("slowConsumer"));
  conn.close();
  await server.close();
  await http.shutdown();
});

Deno.test("websocket server routes per spoke: spokes never hear each other", async () => {
  const bothConnected = Promise.withResolvers<void>();
  let connections = 0;
  const link = await startWebSocket({
    onConnection: () => ++connections === 2 && bothConnected.resolve(),
  });
  const second = new WebSocket(`ws://127.0.0.1:${link.http.addr.port}`);
  const spokeA = createWebSocketClientEventTarget(link.ws);
  const spokeB = createWebSocketClientEventTarget(second);
  const pubA = createPubSub<TestEvents>({ eventTarget: spokeA });
  const pubB = createPubSub<TestEvents>({ eventTarget: spokeB });
  const hub = createPubSub<TestEvents>({ eventTarget: link.server });
  await link.opened;
  await new Promise((resolve) => second.addEventListener("open", resolve, { once: true }));
  await bothConnected.promise;

  const heardByA = pubA.subscribe("order");
  const heardByB = pubB.subscribe("order");
  const heardByHub = hub.subscribe("marker");
  const firstA = heardByA.next();
  const firstB = heardByB.next();
  const firstHub = heardByHub.next();
  await Promise.all([spokeA.sync(), spokeB.sync(), link.server.sync()]);

  // A spoke's publish reaches the hub, not the other spoke.
  pubB.publish("order", "from-b", { n: 1 });
  pubB.publish("marker", "from-b", { m: "b" });
  assert.equal((await firstHub).value?.id, "from-b");
  // The per-connection target of A reaches A only.
  const targetA = link.server.connection(link.serverSocket)!;
  createPubSub<TestEvents>({ eventTarget: targetA }).publish("order", "only-a", { n: 2 });
  hub.publish("order", "all", { n: 3 });
  assert.equal((await firstA).value?.id, "only-a");
  assert.equal((await heardByA.next()).value?.id, "all");
  // B hears its own publish locally, then the hub's; never A's private event.
  assert.equal((await firstB).value?.id, "from-b");
  assert.equal((await heardByB.next()).value?.id, "all");
  await Promise.all([heardByA.return(), heardByB.return(), heardByHub.return()]);
  await spokeB.close();
  await spokeA.close();
  await link.close();
});

Deno.test("websocket client close removes the connection and ends its server-side subscriptions", async () => {
  const gone = Promise.withResolvers<DisconnectionInfo>();
  const link = await startWebSocket({ onDisconnection: (_ws, info) => gone.resolve(info) });
  const client = createWebSocketClientEventTarget(link.ws);
  await link.opened;
  const perConnection = createPubSub<TestEvents>({
    eventTarget: link.server.connection(link.serverSocket)!,
  });
  const sub = perConnection.subscribe("order");
  const first = sub.next();
  await client.close();
  assert.deepEqual(await first, { done: true, value: undefined });
  assert.equal((await gone.promise).slowConsumer, false);
  assert.equal(link.server.size, 0);
  await link.close();
});

Deno.test("websocket server close ends spoke subscriptions with code 1001", async () => {
  const link = await startWebSocket();
  const client = createWebSocketClientEventTarget(link.ws);
  const closed = new Promise<CloseEvent>((resolve) =>
    link.ws.addEventListener("close", resolve, { once: true })
  );
  await link.opened;
  const sub = createPubSub<TestEvents>({ eventTarget: client }).subscribe("order");
  const first = sub.next();
  await client.sync();
  await link.server.close();
  assert.deepEqual(await first, { done: true, value: undefined });
  assert.equal((await closed).code, 1001);
  await link.close();
});

Deno.test("websocket binary frames are malformed input and the link stays up", async () => {
  const link = await startWebSocket();
  const client = createWebSocketClientEventTarget(link.ws);
  await link.opened;
  const sub = createPubSub<TestEvents>({ eventTarget: link.server }).subscribe("marker");
  const first = sub.next();
  await link.server.sync();
  link.ws.send(new Uint8Array([1, 2, 3]));
  createPubSub<TestEvents>({ eventTarget: client }).publish("marker", "m", { m: "up" });
  assert.equal((await first).value?.payload.m, "up");
  assert.equal(link.server.stats().dropped.malformed, 1);
  await sub.return();
  await client.close();
  await link.close();
});

Deno.test("websocket removeConnection() ends the spoke's subscriptions and leaves the socket open", async () => {
  const link = await startWebSocket();
  const client = createWebSocketClientEventTarget(link.ws);
  await link.opened;
  const sub = createPubSub<TestEvents>({ eventTarget: client }).subscribe("order");
  const first = sub.next();
  await client.sync();
  link.server.removeConnection(link.serverSocket);
  assert.deepEqual(await first, { done: true, value: undefined });
  assert.equal(link.server.size, 0);
  assert.equal(link.ws.readyState, WebSocket.OPEN);
  await link.close();
});
