import assert from "node:assert/strict";
import Type from "typebox";
import { createPubSub } from "@alkdev/pubsub";
import {
  type CallEventMap,
  createCaller,
  type OperationSpec,
  serveOperations,
} from "@alkdev/operations";
import { admin, echo, refuses, rig, SUPERVISOR, waitsForAbort } from "./_fixtures.ts";
import { hubError } from "./_assert.ts";
import { observe } from "./_observe.ts";

Deno.test("createCaller() validates output from a location that did not (a spoke)", async () => {
  const { pubsub, registry, close } = rig([]);
  const spec: OperationSpec = {
    name: "spoke.count",
    kind: "query",
    description: "",
    input: Type.Object({}),
    output: Type.Object({ n: Type.Integer() }),
    access: { scopes: [] },
  };
  registry.register(spec, { kind: "spoke", id: "spoke-a" });
  // A spoke that answers without validating its own output.
  const requests = pubsub.subscribe("call.requested", "spoke-a");
  const answer = (async () => {
    for await (const { payload } of requests) {
      pubsub.publish("call.responded", payload.requestId, {
        requestId: payload.requestId,
        output: { n: 1.5 },
      });
    }
  })();
  const caller = createCaller({ pubsub, registry });
  try {
    await assert.rejects(
      caller.call("spoke.count", {}, { identity: admin }),
      hubError(
        "internal",
        (e) =>
          assert.deepEqual(e.details, { errors: [{ path: "/n", message: "must be integer" }] }),
      ),
    );
  } finally {
    await requests.return(undefined);
    await answer;
    await caller.close();
    await close();
  }
});

Deno.test("createCaller() fails pending calls with unavailable when their location leaves the registry", async () => {
  const { pubsub, registry, caller, close } = rig([]);
  const observer = observe(pubsub);
  registry.register(echo.spec, { kind: "spoke", id: "gone" });
  try {
    const call = caller.call(echo, { text: "x" }, { identity: admin, requestId: "r-gone" });
    await observer.waitFor((e) => e.type === "call.requested" && e.payload.requestId === "r-gone");
    registry.unregister({ kind: "spoke", id: "gone" });
    await assert.rejects(
      call,
      hubError(
        "unavailable",
        (e) => assert.equal(e.message, 'Cannot call operation "test.echo": spoke "gone" went away'),
      ),
    );
  } finally {
    await close();
  }
});

Deno.test("serveOperations() refuses to serve a name registered elsewhere, registering nothing", async () => {
  const { pubsub, registry, close } = rig([echo]);
  try {
    assert.throws(
      () =>
        serveOperations({
          pubsub,
          registry,
          location: { kind: "actor", id: "a" },
          operations: [refuses, echo],
        }),
      hubError("conflict"),
    );
    assert.equal(registry.get("test.refuses"), undefined);
    assert.equal(registry.get("test.echo")?.location.id, SUPERVISOR.id);
  } finally {
    await close();
  }
});

Deno.test("serveOperations() answers timeout on its own when the caller is gone", async () => {
  const pubsub = createPubSub<CallEventMap>();
  let aborted: (reason: unknown) => void = () => {};
  const handlerAborted = new Promise((resolve) => (aborted = resolve));
  const server = serveOperations({
    pubsub,
    location: SUPERVISOR,
    operations: [waitsForAbort((reason) => aborted(reason))],
    deadlineGraceMs: 0,
  });
  const observer = observe(pubsub);
  try {
    pubsub.publish("call.requested", SUPERVISOR.id, {
      requestId: "orphan",
      operation: "test.waits",
      input: {},
      deadline: Date.now() + 5,
      identity: admin,
    });
    const answer = await observer.waitFor((e) => e.type === "call.error" && e.id === "orphan");
    assert.equal((answer.payload as { error: { code: string } }).error.code, "timeout");
    hubError("timeout")(await handlerAborted);
  } finally {
    await observer.close();
    await server.close();
  }
});
