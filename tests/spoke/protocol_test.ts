import assert from "node:assert/strict";
import {
  backoffDelay,
  encodeMessage,
  FrameDecoder,
  type HubMessage,
  HubMessageSchemas,
  Outbox,
  type SpokeMessage,
  SpokeMessageSchemas,
} from "../../src/spoke/mod.ts";

Deno.test("FrameDecoder reads one message or a batch, and refuses bad frames whole", () => {
  const decoder = new FrameDecoder<SpokeMessage>(SpokeMessageSchemas, 1024);
  const heartbeat = { type: "heartbeat", id: "1", payload: { at: 1 } };
  assert.deepEqual(decoder.decode(JSON.stringify(heartbeat)), { ok: true, messages: [heartbeat] });
  const batch = decoder.decode(JSON.stringify([heartbeat, { ...heartbeat, id: "2" }]));
  assert.equal(batch.ok && batch.messages.length, 2);

  const refused = (data: unknown) => {
    const decoded = decoder.decode(data);
    assert.equal(decoded.ok, false);
    return decoded as Extract<typeof decoded, { ok: false }>;
  };
  assert.match(refused("{").reason, /not JSON/);
  assert.match(refused("[]").reason, /1 to 256 messages/);
  assert.match(refused(new ArrayBuffer(4)).reason, /not text/);
  assert.match(refused(JSON.stringify({ type: "heartbeat" })).reason, /not an envelope/);
  const unknown = refused(JSON.stringify({ type: "nope", id: "7", payload: {} }));
  assert.match(unknown.reason, /unknown message type "nope"/);
  assert.equal(unknown.id, "7");
  // One bad message refuses the whole frame: nothing of it is acted on.
  const mixed = refused(JSON.stringify([heartbeat, { type: "heartbeat", id: "x", payload: 1 }]));
  assert.match(mixed.reason, /invalid "heartbeat" payload/);
  const big = refused(JSON.stringify({ ...heartbeat, payload: { pad: "é".repeat(600) } }));
  assert.equal(big.oversized, true);
  assert.equal(refused("x".repeat(2000)).oversized, true);
});

Deno.test("FrameDecoder checks hub messages against their schemas", () => {
  const decoder = new FrameDecoder<HubMessage>(HubMessageSchemas, 1 << 20);
  const request = {
    requestId: "r1",
    operation: "lab.x",
    input: {},
    deadline: Date.now() + 1000,
    identity: { scopes: [], via: "http" },
  };
  assert.equal(decoder.decode(encodeMessage("call.requested", "r1", request)).ok, true);
  const { requestId: _dropped, ...noId } = request;
  assert.equal(decoder.decode(encodeMessage("call.requested", "r1", noId)).ok, false);
});

class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  frames: string[] = [];
  closedWith?: number;
  send(frame: string) {
    this.frames.push(frame);
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSED;
  }
}

Deno.test("Outbox sends what one microtask queued as one frame", async () => {
  const socket = new FakeSocket();
  const outbox = new Outbox(socket as unknown as WebSocket, {
    maxBufferedBytes: 1024,
    maxFrameBytes: 1024,
  });
  outbox.push('{"a":1}');
  await Promise.resolve();
  outbox.push('{"b":2}');
  outbox.push('{"c":3}');
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(socket.frames, ['{"a":1}', '[{"b":2},{"c":3}]']);
});

Deno.test("Outbox splits batches at the frame limit", () => {
  const socket = new FakeSocket();
  const outbox = new Outbox(socket as unknown as WebSocket, {
    maxBufferedBytes: 1 << 20,
    maxFrameBytes: 90, // budget: 28 UTF-16 units
  });
  const message = JSON.stringify({ m: "x".repeat(10) }); // 18 units
  outbox.push(message);
  outbox.push(message);
  outbox.push(message);
  outbox.flush();
  assert.deepEqual(socket.frames, [message, message, message]);
});

Deno.test("Outbox drops a slow reader with 1008 instead of buffering", () => {
  const socket = new FakeSocket();
  let dropped = 0;
  const outbox = new Outbox(socket as unknown as WebSocket, {
    maxBufferedBytes: 100,
    maxFrameBytes: 1024,
    onSlowConsumer: () => dropped++,
  });
  socket.bufferedAmount = 101;
  outbox.push("{}");
  outbox.flush();
  assert.equal(socket.closedWith, 1008);
  assert.equal(dropped, 1);
  assert.deepEqual(socket.frames, []);
  assert.equal(outbox.push("{}"), false);
});

Deno.test("backoffDelay grows exponentially under a cap, with full jitter", () => {
  const top = () => 1;
  assert.equal(backoffDelay(0, {}, top), 250);
  assert.equal(backoffDelay(3, {}, top), 2000);
  assert.equal(backoffDelay(20, {}, top), 30_000);
  assert.equal(backoffDelay(5, { initialDelayMs: 10, maxDelayMs: 100 }, top), 100);
  assert.equal(backoffDelay(5, {}, () => 0), 0);
  for (let i = 0; i < 50; i++) {
    const delay = backoffDelay(2, {});
    assert.ok(delay >= 0 && delay <= 1000, String(delay));
  }
});
