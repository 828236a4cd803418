/**
 * A caller handed to `serveOperations` runs calls to that location directly:
 * the same outcome as over the bus, nothing on the bus, and every call —
 * refused ones too — reported to the caller's observers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createPubSub } from "@alkdev/pubsub";
import {
  type CallEnd,
  type CallEventMap,
  type CallRequested,
  createCaller,
  defineOperation,
  OperationRegistry,
  serveOperations,
} from "@alkdev/operations";
import {
  admin,
  badOutput,
  child,
  crashes,
  echo,
  nobody,
  opsUser,
  parent,
  refuses,
  SUPERVISOR,
  waitsForAbort,
} from "./_fixtures.ts";
import { hubError } from "./_assert.ts";
import { observe } from "./_observe.ts";

function directRig(onAbort: (reason: unknown) => void = () => {}) {
  const pubsub = createPubSub<CallEventMap>();
  const registry = new OperationRegistry();
  const caller = createCaller({ pubsub, registry });
  const waits = waitsForAbort(onAbort);
  const server = serveOperations({
    pubsub,
    registry,
    caller,
    location: SUPERVISOR,
    operations: [echo, badOutput, refuses, crashes, waits, parent, child],
  });
  const bus = observe(pubsub);
  const seen: { requested: [CallRequested, string][]; ended: CallEnd[] } = {
    requested: [],
    ended: [],
  };
  caller.observe({
    requested: (request, location) => seen.requested.push([request, location]),
    ended: (end) => seen.ended.push(end),
  });
  return {
    pubsub,
    registry,
    caller,
    server,
    waits,
    bus,
    seen,
    async close() {
      await bus.close();
      await caller.close();
      await server.close();
    },
  };
}

Deno.test("a caller handed to serveOperations runs its calls there directly, off the bus", async () => {
  const rig = directRig();
  try {
    const output = await rig.caller.call(echo, { text: "hi" }, {
      identity: opsUser,
      requestId: "d-1",
    });
    assert.deepEqual(output, { text: "hi" });
    assert.deepEqual(rig.bus.events, []); // no call.* event crossed the bus
    assert.equal(rig.seen.requested.length, 1);
    const [request, location] = rig.seen.requested[0];
    assert.equal(location, "supervisor");
    assert.equal(request.requestId, "d-1");
    assert.deepEqual(request.identity, opsUser);
    assert.deepEqual(rig.seen.ended.map((e) => [e.requestId, e.status]), [["d-1", "ok"]]);
    assert.equal(rig.server.running, 0);
  } finally {
    await rig.close();
  }
});

Deno.test("a direct call fails exactly as it would over the bus", async () => {
  const rig = directRig();
  try {
    await assert.rejects(
      rig.caller.call(badOutput, {}, { identity: admin }),
      hubError("internal", (e) => assert.doesNotMatch(JSON.stringify(e.details), /secret-value/)),
    );
    await assert.rejects(
      rig.caller.call(refuses, {}, { identity: admin }),
      hubError("conflict", (e) => {
        assert.equal(e.message, "Cannot refuse: already refused");
        assert.deepEqual(e.details, { why: "test" });
      }),
    );
    await assert.rejects(
      rig.caller.call(crashes, {}, { identity: admin }),
      hubError("internal", (e) => assert.doesNotMatch(e.message, /hunter2/)),
    );
    assert.deepEqual(rig.seen.ended.map((e) => [e.status, e.errorCode]), [
      ["error", "internal"],
      ["error", "conflict"],
      ["error", "internal"],
    ]);
  } finally {
    await rig.close();
  }
});

Deno.test("a direct call's deadline and abort reach the handler's signal", async () => {
  let aborted: (reason: unknown) => void = () => {};
  const rig = directRig((reason) => aborted(reason));
  try {
    let stopped = new Promise((resolve) => (aborted = resolve));
    await assert.rejects(
      rig.caller.call(rig.waits, {}, { identity: admin, timeoutMs: 5 }),
      hubError("timeout"),
    );
    hubError("timeout")(await stopped);

    stopped = new Promise((resolve) => (aborted = resolve));
    const controller = new AbortController();
    const call = rig.caller.call(rig.waits, {}, { identity: admin, signal: controller.signal });
    controller.abort();
    await assert.rejects(call, hubError("aborted"));
    hubError("aborted")(await stopped);
    assert.deepEqual(rig.seen.ended.map((e) => e.status), ["timeout", "aborted"]);
  } finally {
    await rig.close();
  }
});

Deno.test("closing the executor fails its direct calls with unavailable and detaches it", async () => {
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => (started = resolve));
  const rig = directRig(() => {});
  const slow = defineOperation({
    ...rig.waits,
    name: "test.slow",
    handler: (input, ctx) => (started(), rig.waits.handler(input, ctx)),
  });
  const other = serveOperations({
    pubsub: rig.pubsub,
    registry: rig.registry,
    caller: rig.caller,
    location: { kind: "actor", id: "actor-1" },
    operations: [slow],
  });
  try {
    const call = rig.caller.call(slow, {}, { identity: admin });
    await running;
    await other.close();
    await assert.rejects(call, hubError("unavailable"));
    await assert.rejects(rig.caller.call(slow, {}, { identity: admin }), hubError("not_found"));
  } finally {
    await rig.close();
  }
});

Deno.test("nested direct calls keep their parent and root, and observers see the tree", async () => {
  const rig = directRig();
  try {
    await rig.caller.call(parent, {}, { identity: opsUser, requestId: "root" });
    const byOperation = new Map(rig.seen.requested.map(([r]) => [r.operation, r]));
    assert.equal(byOperation.get("test.child")?.parentRequestId, "root");
    assert.equal(byOperation.get("test.child")?.rootRequestId, "root");
    assert.equal(rig.seen.ended.length, rig.seen.requested.length);
    assert.ok(rig.seen.ended.every((e) => e.status === "ok"));
  } finally {
    await rig.close();
  }
});

Deno.test("calls refused before dispatch are reported to observers; a conflicting id is not", async () => {
  const rig = directRig();
  try {
    await assert.rejects(
      rig.caller.call("test.missing", {}, { identity: admin, requestId: "r-missing" }),
      hubError("not_found"),
    );
    await assert.rejects(
      rig.caller.call(echo, { text: "x" }, { identity: nobody, requestId: "r-forbidden" }),
      hubError("forbidden"),
    );
    await assert.rejects(
      rig.caller.call("test.echo", { text: 1 }, { identity: admin, requestId: "r-bad" }),
      hubError("bad_request"),
    );
    const waiting = rig.caller.call(rig.waits, {}, { identity: admin, requestId: "r-dup" });
    await assert.rejects(
      rig.caller.call(echo, { text: "x" }, { identity: admin, requestId: "r-dup" }),
      hubError("conflict"),
    );
    assert.deepEqual(
      rig.seen.ended.map((e) => [e.requestId, e.status, e.errorCode]),
      [
        ["r-missing", "error", "not_found"],
        ["r-forbidden", "error", "forbidden"],
        ["r-bad", "error", "bad_request"],
      ],
    );
    assert.deepEqual(rig.seen.requested.map(([r, location]) => [r.requestId, location]), [
      ["r-missing", ""],
      ["r-forbidden", "supervisor"],
      ["r-bad", "supervisor"],
      ["r-dup", "supervisor"],
    ]);
    await rig.caller.close(); // fails r-dup with unavailable
    await assert.rejects(waiting, hubError("unavailable"));
  } finally {
    await rig.close();
  }
});
