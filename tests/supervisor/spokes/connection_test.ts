import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation, listen } from "@alkdev/operations";
import { ERROR_MAP, HubError } from "@hub/errors";
import { connectSpoke } from "../../../src/spoke/mod.ts";
import { type ApiKeyVerifier, KEY_REVOKED } from "../../../src/auth/mod.ts";
import { gate, KEYS, rawSocket, withRig } from "./_rig.ts";

const op = (name: string) =>
  defineOperation({
    name,
    kind: "query",
    description: `Operation ${name}`,
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: () => null,
  });

function register(operations: unknown[], name = "raw") {
  return {
    type: "register",
    id: "reg",
    payload: { protocol: 1, name, version: "1", maxInFlight: 2, operations },
  };
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HubError, String(error));
    return error;
  }
  assert.fail("expected a refusal");
}

Deno.test("spoke auth: header at the upgrade, or a first auth frame", async (t) => {
  await withRig(async (rig) => {
    await t.step("a valid header gets a welcome", async () => {
      const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
      const welcome = await raw.next("welcome");
      assert.equal(welcome.payload.protocol, 1);
      assert.equal(welcome.payload.keyId, KEYS.spoke.key.id);
      raw.ws.close();
      await raw.closed;
    });

    await t.step("a bad header is refused with 401 before the upgrade", async () => {
      const response = await fetch(rig.url + "/ws", {
        headers: { authorization: "Bearer alk_nope", upgrade: "websocket" },
      });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "unauthorized");
    });

    await t.step("a first auth frame authenticates", async () => {
      const spoke = await (async () => {
        const s = connectSpoke({
          url: rig.wsUrl,
          apiKey: KEYS.spoke.token,
          name: "by-frame",
          auth: "frame",
          operations: [op("lab.framed")],
          reconnect: false,
        });
        await s.ready();
        return s;
      })();
      assert.ok(rig.registry.get("lab.framed"));
      await spoke.close();
    });

    await t.step("a bad auth frame gets an error and 4401", async () => {
      const raw = await rawSocket(rig.wsUrl);
      raw.send({ type: "auth", id: "a", payload: { apiKey: "alk_wrong" } });
      const error = await raw.next("error");
      assert.equal(error.payload.code, "unauthorized");
      assert.equal((await raw.closed).code, ERROR_MAP.unauthorized.wsClose);
    });

    await t.step("anything but auth first is refused with 4401", async () => {
      const raw = await rawSocket(rig.wsUrl);
      raw.send({ type: "heartbeat", id: "h", payload: {} });
      assert.equal((await raw.closed).code, 4401);
    });

    await t.step("no auth frame within the deadline closes with 4401", async () => {
      const raw = await rawSocket(rig.wsUrl);
      assert.equal((await raw.closed).code, 4401);
    });

    await t.step("the SDK stops on a refused key instead of retrying", async () => {
      const spoke = connectSpoke({
        url: rig.wsUrl,
        apiKey: "alk_wrong",
        name: "bad-key",
        auth: "frame",
        operations: [op("lab.never")],
      });
      const error = await refusal(spoke.ready());
      assert.equal(error.code, "unauthorized");
      await spoke.closed;
    });
  }, { authTimeoutMs: 200 });
});

Deno.test("registration: scopes, namespaces, reserved names and conflicts", async (t) => {
  await withRig(
    async (rig) => {
      const refused = async (
        token: string,
        name: string,
        code: string,
        message: RegExp,
        auth?: "frame",
      ) => {
        const spoke = connectSpoke({
          url: rig.wsUrl,
          apiKey: token,
          name: "refused",
          operations: [op(name)],
          ...(auth ? { auth } : {}),
        });
        const error = await refusal(spoke.ready());
        assert.equal(error.code, code, error.message);
        assert.match(error.message, message);
        await spoke.closed;
        assert.equal(rig.registry.get(name)?.location.kind === "spoke", name === "lab.shared");
      };

      await t.step("a key without the spoke scope cannot register", async () => {
        await refused(KEYS.events.token, "lab.x", "forbidden", /missing scope "spoke"/);
        // A key with neither spoke nor events may not even connect (a 403 at the upgrade, or
        // error + 4403 after an auth frame, which the SDK can report).
        await refused(KEYS.ops.token, "lab.x", "forbidden", /"spoke" or "events" scope/, "frame");
      });

      await t.step("a name outside the key's spokeNamespaces is refused", async () => {
        await refused(
          KEYS.lab.token,
          "demo.greet",
          "forbidden",
          /namespaces this key allows \(lab\)/,
        );
        const allowed = connectSpoke({
          url: rig.wsUrl,
          apiKey: KEYS.lab.token,
          name: "lab",
          operations: [op("lab.inside")],
        });
        await allowed.ready();
        assert.ok(rig.registry.get("lab.inside"));
        await allowed.close();
      });

      await t.step("hub names and reserved namespaces are refused", async () => {
        await refused(KEYS.spoke.token, "hub.status", "conflict", /the hub has an operation/);
        await refused(KEYS.spoke.token, "keys.mine", "forbidden", /namespace "keys" is reserved/);
        await refused(KEYS.spoke.token, "hub.other", "forbidden", /namespace "hub" is reserved/);
      });

      await t.step("a shared name must carry the same spec", async () => {
        const first = connectSpoke({
          url: rig.wsUrl,
          apiKey: KEYS.spoke.token,
          name: "first",
          operations: [op("lab.shared")],
        });
        await first.ready();
        const different = defineOperation({ ...op("lab.shared"), description: "Something else" });
        const second = connectSpoke({
          url: rig.wsUrl,
          apiKey: KEYS.spoke.token,
          name: "second",
          operations: [different],
        });
        const error = await refusal(second.ready());
        assert.equal(error.code, "conflict");
        assert.match(error.message, /different spec/);
        await first.close();
      });

      await t.step("a malformed spec is refused, and nothing of the spoke registers", async () => {
        const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
        await raw.next("welcome");
        raw.send(register([
          { ...op("lab.good").spec },
          { ...op("lab.bad").spec, input: { type: "nonsense" } },
        ]));
        const error = await raw.next("error");
        assert.equal(error.id, "reg");
        assert.equal(error.payload.code, "bad_request");
        assert.equal(rig.registry.get("lab.good"), undefined);
        // The connection stays usable: a corrected registration succeeds.
        raw.send(register([{ ...op("lab.good").spec }]));
        await raw.next("registered");
        assert.ok(rig.registry.get("lab.good"));
        raw.ws.close();
        await raw.closed;
      });

      await t.step("an unsupported protocol version is refused", async () => {
        const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
        await raw.next("welcome");
        const message = register([]);
        raw.send({ ...message, payload: { ...message.payload, protocol: 2 } });
        const error = await raw.next("error");
        assert.equal(error.payload.code, "bad_request");
        assert.match(error.payload.message as string, /protocol 2 is not supported/);
        raw.ws.close();
        await raw.closed;
      });
    },
    {},
    [op("hub.status")],
  );
});

Deno.test("bad frames: error frames, then 4400; oversized frames close with 1009", async (t) => {
  await withRig(async (rig) => {
    await t.step("malformed frames get error frames, the third closes with 4400", async () => {
      const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
      await raw.next("welcome");
      raw.send("not json");
      assert.match((await raw.next("error")).payload.message as string, /not JSON/);
      raw.send({ type: "register", id: "x", payload: { nope: true } });
      const invalid = await raw.next("error");
      assert.equal(invalid.id, "x");
      assert.match(invalid.payload.message as string, /invalid "register" payload/);
      raw.send({ type: "made.up", id: "y", payload: {} });
      assert.match((await raw.next("error")).payload.message as string, /unknown message type/);
      assert.equal((await raw.closed).code, ERROR_MAP.bad_request.wsClose);
      assert.ok(rig.spokes.stats().malformed >= 3);
    });

    await t.step("an oversized frame closes with 1009", async () => {
      const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
      await raw.next("welcome");
      raw.send({ type: "heartbeat", id: "big", payload: { pad: "x".repeat(70_000) } });
      assert.equal((await raw.closed).code, 1009);
      assert.equal(rig.spokes.stats().oversized, 1);
    });

    await t.step("results for unknown calls are ignored and counted", async () => {
      const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
      await raw.next("welcome");
      raw.send(register([{ ...op("lab.answered").spec }]));
      await raw.next("registered");
      const before = rig.spokes.stats().unknownResults;
      raw.send([
        { type: "call.responded", id: "nope", payload: { requestId: "nope", output: null } },
        {
          type: "call.error",
          id: "nope2",
          payload: { requestId: "nope2", error: { code: "internal", message: "x" } },
        },
        { type: "call.progress", id: "nope3", payload: { requestId: "nope3", progress: 1 } },
        { type: "heartbeat", id: "h", payload: {} },
      ]);
      await raw.next("heartbeat"); // processed in order: the results before it are done
      assert.equal(rig.spokes.stats().unknownResults, before + 3);
      assert.equal(raw.ws.readyState, WebSocket.OPEN);
      raw.ws.close();
      await raw.closed;
    });
  }, { maxFrameBytes: 64 * 1024, maxOffences: 3 });
});

Deno.test("a spoke that stops sending heartbeats is dropped and its calls fail at once", async () => {
  await withRig(async (rig) => {
    const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
    await raw.next("welcome");
    raw.send(register([{ ...op("lab.silent").spec }]));
    await raw.next("registered");
    const pending = rig.call("lab.silent", {}, { timeoutMs: 60_000 });
    await raw.next("call.requested");
    // The raw spoke now says nothing: no heartbeat, no answer.
    const { status, body } = await pending;
    assert.equal(status, 503, JSON.stringify(body));
    assert.equal((body.error as { code: string }).code, "unavailable");
    assert.equal((await raw.closed).code, ERROR_MAP.timeout.wsClose);
  }, { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300 });
});

Deno.test("event clients: the events scope subscribes; call topics need admin", async () => {
  await withRig(async (rig) => {
    const raw = await rawSocket(rig.wsUrl, KEYS.events.token);
    await raw.next("welcome");
    raw.send({ type: "subscribe", id: "s1", payload: { topic: "news.flash:p1" } });
    assert.equal((await raw.next("subscribed")).payload.topic, "news.flash:p1");
    rig.pubsub.publish("news.flash", "p2", { n: 0 }); // another id: not delivered
    rig.pubsub.publish("news.flash", "p1", { n: 1 });
    const event = await raw.next("event");
    assert.deepEqual(event.payload, { type: "news.flash", id: "p1", payload: { n: 1 } });
    raw.send({ type: "subscribe", id: "s2", payload: { topic: "call.responded" } });
    const error = await raw.next("error");
    assert.equal(error.id, "s2");
    assert.equal(error.payload.code, "forbidden");
    raw.ws.close();
    await raw.closed;

    // A key with neither events nor spoke is refused before the upgrade (it used to get a
    // welcome and a refusal per subscription).
    const opsOnly = await rig.request("/ws", {
      token: KEYS.ops.token,
      headers: { upgrade: "websocket" },
    });
    assert.equal(opsOnly.status, 403);
    assert.equal((await opsOnly.json()).error.code, "forbidden");
  });
});

Deno.test("GET /api/v1/spokes: admins see all, a spoke key its own, others are refused", async () => {
  await withRig(async (rig) => {
    await rig.spoke({ name: "mine", operations: [op("lab.one")] });
    await rig.spoke({ name: "theirs", apiKey: KEYS.lab.token, operations: [op("lab.two")] });
    const list = async (token: string) => {
      const response = await rig.request("/api/v1/spokes", { token });
      return { status: response.status, body: await response.json() };
    };
    const admin = await list(KEYS.admin.token);
    assert.deepEqual(admin.body.spokes.map((s: { name: string }) => s.name).sort(), [
      "mine",
      "theirs",
    ]);
    const own = await list(KEYS.spoke.token);
    assert.deepEqual(own.body.spokes.map((s: { name: string }) => s.name), ["mine"]);
    const refused = await list(KEYS.ops.token);
    assert.equal(refused.status, 403);
  });
});

Deno.test("revoking a key disconnects its spokes with 4401, and the SDK does not come back", async () => {
  await withRig(async (rig) => {
    const events: string[] = [];
    const spoke = await rig.spoke({
      name: "revoked",
      operations: [op("lab.revoked")],
      onEvent: (event) =>
        events.push(event.type === "disconnected" ? `closed ${event.code}` : event.type),
    });
    rig.pubsub.publish("auth.key_revoked", KEYS.spoke.key.id, { keyId: KEYS.spoke.key.id });
    await spoke.closed;
    assert.ok(events.includes("closed 4401"), events.join());
    assert.ok(!events.includes("reconnecting"), events.join());
    assert.equal(rig.registry.get("lab.revoked"), undefined);
  });
});

Deno.test("a key that expires while connected loses its connection with 4401", async () => {
  await withRig(async (rig) => {
    const raw = await rawSocket(rig.wsUrl, KEYS.expired.token);
    await raw.next("welcome");
    assert.equal((await raw.closed).code, 4401);
  }, { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 60_000 });
});

Deno.test("keyless sockets get only a small share of the connection slots", async () => {
  await withRig(async (rig) => {
    const waiting = await rawSocket(rig.wsUrl); // not authenticated yet
    const refused = await fetch(rig.url + "/ws", { headers: { upgrade: "websocket" } });
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error.message, /still authenticating/);
    // An authenticated spoke still gets in.
    const spoke = await rawSocket(rig.wsUrl, KEYS.spoke.token);
    await spoke.next("welcome");
    spoke.ws.close();
    waiting.ws.close();
    await Promise.all([spoke.closed, waiting.closed]);
  }, { maxUnauthenticated: 1 });
});

/**
 * A key verifier for `/ws` upgrades that holds every verification until `release()`;
 * `entered` resolves once `count` verifications are waiting.
 */
function heldVerifier(count: number) {
  const entered = gate();
  const released = gate();
  let waiting = 0;
  const verifier: ApiKeyVerifier = {
    async verify(token) {
      if (++waiting === count) entered.resolve();
      await released.promise;
      const found = Object.values(KEYS).find((entry) => entry.token === token);
      if (!found) throw new HubError("unauthorized", "Invalid API key");
      return found.key;
    },
  };
  return { verifier: () => verifier, entered: entered.promise, release: () => released.resolve() };
}

/** A WebSocket with a header key: `outcome` says whether the upgrade succeeded. */
function upgrade(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
  const outcome = new Promise<"open" | "refused">((resolve) => {
    ws.addEventListener("open", () => resolve("open"), { once: true });
    ws.addEventListener("error", () => resolve("refused"), { once: true });
  });
  return { ws, closed, outcome };
}

Deno.test("upgrades still verifying their key when the last slot goes are refused", async () => {
  const held = heldVerifier(2);
  await withRig(async (rig) => {
    // Both pass the connection limit before either key is verified.
    const first = upgrade(rig.wsUrl, KEYS.spoke.token);
    const second = upgrade(rig.wsUrl, KEYS.spoke.token);
    await held.entered;
    held.release();
    const outcomes = await Promise.all([first.outcome, second.outcome]);
    assert.deepEqual(outcomes.toSorted(), ["open", "refused"]);
    assert.equal(rig.spokes.stats().connections, 1);
    first.ws.close();
    second.ws.close();
    await Promise.all([first.closed, second.closed]);
  }, { maxConnections: 1, verifier: held.verifier });
});

Deno.test("an upgrade still verifying its key when close() begins is refused", async () => {
  const held = heldVerifier(1);
  await withRig(async (rig) => {
    const late = upgrade(rig.wsUrl, KEYS.spoke.token);
    await held.entered;
    const closing = rig.spokes.close();
    held.release();
    // Before the fix, the connection was added after close() had closed the others, and
    // stayed open.
    assert.equal(await late.outcome, "refused");
    assert.equal(rig.spokes.stats().connections, 0);
    await closing;
    late.ws.close();
    await late.closed;
  }, { verifier: held.verifier });
});

Deno.test("a key revoked while its auth frame is being verified does not survive on that socket", async () => {
  const held = heldVerifier(1);
  await withRig(async (rig) => {
    const socket = await rawSocket(rig.wsUrl);
    socket.send({ type: "auth", id: "a", payload: { apiKey: KEYS.spoke.token } });
    await held.entered;
    // Our own listener joins after the spoke server's, so once it has the event the server has too.
    const seen = gate();
    const listening = listen(rig.pubsub, KEY_REVOKED, () => seen.resolve());
    rig.pubsub.publish(KEY_REVOKED, KEYS.spoke.key.id, { keyId: KEYS.spoke.key.id });
    await seen.promise;
    await listening.close();
    held.release();
    // Before the fix the verification's stale answer got a welcome and the socket stayed open.
    const closed = await socket.closed;
    assert.equal(closed.code, 4401);
    assert.match(closed.reason, /revoked/);
    assert.equal(rig.spokes.stats().connections, 0);
  }, { verifier: held.verifier });
});

/**
 * A spoke over a bare TCP socket: it does the upgrade, registers, and then
 * reads nothing more — not even the hub's close frame, so no close handshake
 * ever completes (what a stuck peer does).
 */
async function stuckSpoke(url: string, token: string, operations: unknown[]) {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const frame = (text: string) => {
    const body = new TextEncoder().encode(text);
    // A client frame is masked; a zero mask leaves the bytes as they are.
    const head = body.length < 126
      ? [0x81, 0x80 | body.length]
      : [0x81, 0x80 | 126, body.length >> 8, body.length & 0xff];
    return new Uint8Array([...head, 0, 0, 0, 0, ...body]);
  };
  await conn.write(new TextEncoder().encode(
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      `Authorization: Bearer ${token}\r\n\r\n`,
  ));
  await conn.write(frame(JSON.stringify(register(operations, "stuck"))));
  // Read until the registration is acknowledged, then never read again.
  let seen = "";
  const buffer = new Uint8Array(4096);
  while (!seen.includes('"registered"')) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`hub closed before registering: ${seen}`);
    seen += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return conn;
}

Deno.test("a slow consumer is dropped at once: its calls fail unavailable and its operations go", async () => {
  await withRig(async (rig) => {
    const padded = defineOperation({
      ...op("lab.padded"),
      input: Type.Object({ pad: Type.String() }),
    });
    const conn = await stuckSpoke(rig.wsUrl, KEYS.spoke.token, [{ ...padded.spec }]);
    try {
      // Each call.requested is far above the send bound: the hub soon finds the peer not reading.
      const pad = "x".repeat(200_000);
      const calls = Array.from(
        { length: 8 },
        () => rig.call("lab.padded", { pad }, { timeoutMs: 5_000 }),
      );
      const results = await Promise.all(calls);
      assert.ok(rig.spokes.stats().slowConsumer >= 1);
      // Calls sent to the stuck spoke fail unavailable; calls that came after it was
      // dropped find no such operation. None waits for its deadline.
      const codes = results.map(({ body }) => (body.error as { code: string }).code);
      assert.ok(codes.includes("unavailable"), codes.join());
      assert.ok(
        codes.every((code) => code === "unavailable" || code === "not_found"),
        codes.join(),
      );
      assert.equal(rig.registry.get("lab.padded"), undefined);
      assert.equal(rig.spokes.stats().connections, 0);
    } finally {
      conn.close();
    }
  }, { maxBufferedBytes: 64 * 1024, heartbeatTimeoutMs: 60_000 });
});
