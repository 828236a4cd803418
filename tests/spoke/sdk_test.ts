/**
 * The spoke SDK against a scripted hub: a bare `Deno.serve` that speaks the
 * wire protocol of docs/protocol.md, so these tests pin the SDK's side of it
 * without the hub's own code.
 */
import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation } from "@alkdev/operations";
import { connectSpoke, type SpokeEvent } from "../../src/spoke/mod.ts";

interface Received {
  type: string;
  id: string;
  payload: Record<string, unknown>;
}

/**
 * A scripted hub: welcomes, acknowledges registrations (unless `acknowledge` is
 * false: then the test sends `registered` itself), records every message.
 */
function scriptedHub({ acknowledge = true } = {}) {
  const sockets: WebSocket[] = [];
  const received: Received[] = [];
  const waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  const headers: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    headers.push(request.headers.get("authorization"));
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "alk.hub.v1" });
    sockets.push(socket);
    socket.onopen = () => {
      socket.send(JSON.stringify({
        type: "welcome",
        id: "",
        payload: {
          protocol: 1,
          keyId: "k",
          scopes: ["spoke"],
          heartbeatIntervalMs: 60_000,
          heartbeatTimeoutMs: 180_000,
          maxFrameBytes: 1 << 20,
        },
      }));
    };
    socket.onmessage = (event) => {
      const value = JSON.parse(event.data);
      for (const message of Array.isArray(value) ? value : [value]) {
        received.push(message);
        if (message.type === "register" && acknowledge) {
          socket.send(JSON.stringify({
            type: "registered",
            id: message.id,
            payload: {
              spokeId: `spoke-${sockets.length}`,
              operations: message.payload.operations.map((o: { name: string }) => o.name),
            },
          }));
        }
        for (const waiter of [...waiters]) {
          if (waiter.match(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    };
    return response;
  });
  const url = `ws://127.0.0.1:${(server.addr as Deno.NetAddr).port}/ws`;
  return {
    url,
    sockets,
    received,
    headers,
    /** The next message matching (already received ones count once). */
    next(match: (m: Received) => boolean): Promise<Received> {
      const index = received.findIndex(match);
      if (index >= 0) return Promise.resolve(received.splice(index, 1)[0]);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    send(message: unknown) {
      sockets.at(-1)!.send(JSON.stringify(message));
    },
    async close() {
      for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.close();
      await server.shutdown();
    },
  };
}

const answerOf = (requestId: string) => (m: Received) =>
  (m.type === "call.responded" || m.type === "call.error") && m.id === requestId;

function request(requestId: string, operation: string, input: unknown, deadlineMs = 5_000) {
  return {
    type: "call.requested",
    id: requestId,
    payload: {
      requestId,
      operation,
      input,
      deadline: Date.now() + deadlineMs,
      identity: { keyId: "caller", scopes: ["ops"], via: "http" },
    },
  };
}

Deno.test("the SDK registers its specs, validates input before the handler, validates output", async () => {
  const hub = scriptedHub();
  let ran = 0;
  const square = defineOperation({
    name: "math.square",
    kind: "query",
    description: "Squares a number",
    input: Type.Object({ n: Type.Number() }),
    output: Type.Number(),
    access: { scopes: ["ops"] },
    handler: ({ n }) => (ran++, n * n),
  });
  const liar = defineOperation({
    name: "math.liar",
    kind: "query",
    description: "Returns the wrong type",
    input: Type.Object({}),
    output: Type.Number(),
    access: { scopes: [] },
    handler: () => "not a number" as unknown as number,
  });
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "calc",
    version: "2.0.0",
    operations: [square, { operation: liar, maxInFlight: 1, idempotent: true }],
    maxInFlight: 3,
  });
  try {
    await spoke.ready();
    assert.equal(spoke.spokeId, "spoke-1");
    assert.equal(hub.headers[0], "Bearer alk_key");
    const register = await hub.next((m) => m.type === "register");
    assert.equal(register.payload.name, "calc");
    assert.equal(register.payload.version, "2.0.0");
    assert.equal(register.payload.maxInFlight, 3);
    const specs = register.payload.operations as Record<string, unknown>[];
    assert.deepEqual(specs[0], { ...square.spec });
    assert.equal(specs[1].maxInFlight, 1);
    assert.equal(specs[1].idempotent, true);

    hub.send(request("r1", "math.square", { n: 7 }));
    assert.equal((await hub.next(answerOf("r1"))).payload.output, 49);

    hub.send(request("r2", "math.square", { n: "7" }));
    const invalid = await hub.next(answerOf("r2"));
    assert.equal((invalid.payload.error as { code: string }).code, "bad_request");
    assert.equal(ran, 1, "the handler never saw the invalid input");

    hub.send(request("r3", "math.liar", {}));
    const lie = await hub.next(answerOf("r3"));
    assert.equal((lie.payload.error as { code: string }).code, "internal");

    hub.send(request("r4", "math.cube", {}));
    const missing = await hub.next(answerOf("r4"));
    assert.equal((missing.payload.error as { code: string }).code, "not_found");

    hub.send(request("r5", "math.square", { n: 1 }, -1));
    const late = await hub.next(answerOf("r5"));
    assert.equal((late.payload.error as { code: string }).code, "timeout");
  } finally {
    await spoke.close();
    await hub.close();
  }
});

Deno.test("the SDK reconnects with backoff and registers again", async () => {
  const hub = scriptedHub();
  const events: SpokeEvent[] = [];
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "phoenix",
    operations: [
      defineOperation({
        name: "lab.ping",
        kind: "query",
        description: "Pong",
        input: Type.Object({}),
        output: Type.Literal("pong"),
        access: { scopes: [] },
        handler: () => "pong" as const,
      }),
    ],
    reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    onEvent: (event) => events.push(event),
  });
  try {
    await spoke.ready();
    await hub.next((m) => m.type === "register");
    hub.sockets[0].close(1011, "hub restarting");
    await hub.next((m) => m.type === "register"); // a second registration, on a new socket
    await spoke.ready();
    assert.equal(spoke.spokeId, "spoke-2");
    const types = events.map((event) => event.type);
    assert.deepEqual(types, ["registered", "disconnected", "reconnecting", "registered"]);
    hub.send(request("p", "lab.ping", {}));
    assert.equal((await hub.next(answerOf("p"))).payload.output, "pong");
  } finally {
    await spoke.close();
    await hub.close();
  }
});

Deno.test("frames that a dropped connection delivers late do not act on the spoke", async () => {
  const hub = scriptedHub({ acknowledge: false });
  const events: string[] = [];
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "late",
    operations: [],
    reconnect: { initialDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event.type),
  });
  try {
    await hub.next((m) => m.type === "register");
    // One frame: a retryable refusal (the spoke drops this connection at once), then a
    // registration on the connection it just dropped, which must not count.
    hub.send([
      {
        type: "error",
        id: "register",
        payload: { code: "unavailable", message: "Cannot register: the hub is stopping" },
      },
      { type: "registered", id: "register", payload: { spokeId: "stale", operations: [] } },
    ]);
    // The register of the second connection (the first one is still in `received`).
    const second = hub.next((m) => m.type === "register" && hub.sockets.length === 2).then(() =>
      hub.send({
        type: "registered",
        id: "register",
        payload: { spokeId: "fresh", operations: [] },
      })
    );
    await spoke.ready();
    assert.equal(spoke.spokeId, "fresh");
    assert.equal(spoke.state, "registered");
    await second;
    assert.deepEqual(events, ["error", "disconnected", "reconnecting", "registered"]);
  } finally {
    await spoke.close();
    await hub.close();
  }
});

Deno.test("close() tells the hub, lets running calls finish, and aborts what runs past the deadline", async () => {
  const hub = scriptedHub();
  const release = Promise.withResolvers<void>();
  const stuckStarted = Promise.withResolvers<void>();
  let stuckSignal: AbortSignal | undefined;
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "closer",
    operations: [
      defineOperation({
        name: "lab.finish",
        kind: "mutation",
        description: "Finishes when released",
        input: Type.Object({}),
        output: Type.Literal("done"),
        access: { scopes: [] },
        handler: async () => (await release.promise, "done" as const),
      }),
      defineOperation({
        name: "lab.stuck",
        kind: "mutation",
        description: "Never finishes on its own",
        input: Type.Object({}),
        output: Type.Null(),
        access: { scopes: [] },
        handler: (_input, ctx) =>
          new Promise<null>((_resolve, reject) => {
            stuckSignal = ctx.signal;
            stuckStarted.resolve();
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
          }),
      }),
    ],
  });
  try {
    await spoke.ready();
    hub.send(request("f", "lab.finish", {}));
    hub.send(request("s", "lab.stuck", {}));
    await stuckStarted.promise;
    const closing = spoke.close({ timeoutMs: 100 });
    await hub.next((m) => m.type === "close");
    hub.send(request("late", "lab.finish", {}));
    const refused = await hub.next(answerOf("late"));
    assert.equal((refused.payload.error as { code: string }).code, "unavailable");
    release.resolve();
    assert.equal((await hub.next(answerOf("f"))).payload.output, "done");
    const stuck = await hub.next(answerOf("s"));
    assert.equal((stuck.payload.error as { code: string }).code, "unavailable");
    assert.equal(stuckSignal?.aborted, true);
    await closing;
    assert.equal(spoke.state, "closed");
    await spoke.closed;
  } finally {
    await hub.close();
  }
});

Deno.test("a registration acknowledged while close() runs does not bring the spoke back", async () => {
  const hub = scriptedHub({ acknowledge: false });
  const events: string[] = [];
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "leaving",
    operations: [],
    reconnect: { initialDelayMs: 1, maxDelayMs: 1 },
    onEvent: (event) => events.push(event.type),
  });
  try {
    const register = await hub.next((m) => m.type === "register");
    const closing = spoke.close();
    // The hub acknowledges the registration it was working on before it reads the close.
    hub.send({ type: "registered", id: register.id, payload: { spokeId: "late", operations: [] } });
    await closing;
    assert.equal(spoke.state, "closed");
    assert.ok(!events.includes("reconnecting"), events.join());
    assert.equal(hub.sockets.length, 1, "no new connection after close()");
  } finally {
    await hub.close();
  }
});

// The op sanitizer fails a test that leaves a timer running: close() must leave nothing behind
// that would keep a program alive after it (its 2 s fallback timer used to).
Deno.test({
  name: "close() leaves no timer or socket behind",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const hub = scriptedHub();
    try {
      const spoke = connectSpoke({ url: hub.url, apiKey: "k", name: "brief", operations: [] });
      await spoke.ready();
      await spoke.close();
    } finally {
      await hub.close();
    }
  },
});

Deno.test("an aborted signal closes the spoke; ready() then rejects", async () => {
  const hub = scriptedHub();
  const stop = new AbortController();
  const spoke = connectSpoke({
    url: hub.url,
    apiKey: "alk_key",
    name: "stopper",
    operations: [],
    signal: stop.signal,
  });
  try {
    await spoke.ready();
    stop.abort();
    await spoke.closed;
    await assert.rejects(spoke.ready(), /is closed/);
  } finally {
    await hub.close();
  }
});

/** An operation that does nothing, for checks that never connect. */
const trivialOperation = (name: string) =>
  defineOperation({
    name,
    kind: "query",
    description: "",
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: () => null,
  });

Deno.test("connectSpoke refuses duplicate operation names", () => {
  const op = trivialOperation("lab.twice");
  assert.throws(
    () =>
      connectSpoke({ url: "ws://127.0.0.1:1/ws", apiKey: "k", name: "x", operations: [op, op] }),
    TypeError,
  );
});

Deno.test("connectSpoke refuses a maxInFlight the hub would refuse", () => {
  const op = trivialOperation("lab.limited");
  const base = { url: "ws://127.0.0.1:1/ws", apiKey: "k", name: "x" };
  for (const bad of [0, -1, 1.5, NaN, Infinity, 100_001]) {
    assert.throws(
      () => connectSpoke({ ...base, operations: [op], maxInFlight: bad }),
      TypeError,
      `spoke maxInFlight ${bad}`,
    );
    assert.throws(
      () => connectSpoke({ ...base, operations: [{ operation: op, maxInFlight: bad }] }),
      TypeError,
      `operation maxInFlight ${bad}`,
    );
  }
});
