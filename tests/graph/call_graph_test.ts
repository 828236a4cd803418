import assert from "node:assert/strict";
import { createPubSub } from "@alkdev/pubsub";
import {
  type CallEventMap,
  createCaller,
  OperationRegistry,
  serveOperations,
} from "@alkdev/operations";
import { CallGraph } from "../../src/graph/mod.ts";
import {
  admin,
  child,
  crashes,
  echo,
  opsUser,
  parent,
  rig,
  SUPERVISOR,
  waitsForAbort,
} from "../operations/_fixtures.ts";
import { recorded, settled, shape } from "./_helpers.ts";

Deno.test("CallGraph", async (t) => {
  const waits = waitsForAbort(() => {});
  const { pubsub, caller, close } = rig([echo, parent, child, crashes, waits]);
  const graph = new CallGraph({ pubsub });

  try {
    await t.step(
      "nested calls become a tree of ok calls with caller, location and times",
      async () => {
        await caller.call(parent, {}, { identity: opsUser, requestId: "root-ok" });
        await settled(graph, "root-ok");
        const tree = graph.get("root-ok")!;
        assert.deepEqual(shape(tree), ["test.parent", "ok", [
          ["test.echo", "ok", []],
          ["test.child", "ok", [["test.echo", "ok", []]]],
        ]]);
        const root = tree.call;
        assert.equal(root.callerKeyId, "key-ops");
        assert.equal(root.via, "http");
        assert.equal(root.location, "supervisor");
        assert.equal(root.rootRequestId, "root-ok");
        assert.equal(root.parentRequestId, undefined);
        assert.ok(root.endedAt! >= root.startedAt);
        assert.equal(root.durationMs, root.endedAt! - root.startedAt);
        const grandchild = tree.children[1].children[0].call;
        assert.equal(grandchild.parentRequestId, tree.children[1].call.requestId);
        assert.equal(grandchild.rootRequestId, "root-ok");
        assert.deepEqual(graph.get(tree.children[1].call.requestId)!.children.length, 1);
      },
    );

    await t.step("a failing child marks itself and its parent error with the code", async () => {
      await assert.rejects(
        caller.call(parent, { fail: true }, { identity: admin, requestId: "root-err" }),
      );
      await settled(graph, "root-err");
      const tree = graph.get("root-err")!;
      assert.deepEqual(shape(tree), ["test.parent", "error", [
        ["test.echo", "ok", []],
        ["test.child", "error", [["test.echo", "ok", []]]],
      ]]);
      assert.equal(tree.call.errorCode, "upstream_error");
      assert.equal(tree.children[1].call.errorCode, "upstream_error");
      await assert.rejects(caller.call(crashes, {}, { identity: admin, requestId: "crash" }));
      assert.equal((await settled(graph, "crash")).errorCode, "internal");
    });

    await t.step("a timed-out call is timeout; an aborted one is aborted", async () => {
      await assert.rejects(
        caller.call(waits, {}, { identity: admin, timeoutMs: 5, requestId: "slow" }),
      );
      const slow = await settled(graph, "slow");
      assert.equal(slow.status, "timeout");
      assert.equal(slow.errorCode, "timeout");
      const controller = new AbortController();
      const call = caller.call(waits, {}, {
        identity: admin,
        signal: controller.signal,
        requestId: "stop",
      });
      await recorded(graph, "stop");
      controller.abort();
      await assert.rejects(call);
      assert.equal((await settled(graph, "stop")).status, "aborted");
    });

    await t.step("get() honours depth and size bounds", () => {
      const shallow = graph.get("root-ok", { maxDepth: 1 })!;
      assert.equal(shallow.children.length, 2);
      assert.equal(shallow.children[1].truncated, true);
      assert.deepEqual(shallow.children[1].children, []);
      const small = graph.get("root-ok", { maxNodes: 2 })!;
      assert.equal(small.children.length, 1);
      assert.equal(small.truncated, true);
      assert.equal(graph.get("nope"), undefined);
    });

    await t.step(
      "a terminal event before its request is applied when the request arrives",
      async () => {
        pubsub.publish("call.responded", "early", { requestId: "early", output: null });
        pubsub.publish("call.requested", "elsewhere", {
          requestId: "early",
          operation: "remote.op",
          input: {},
          deadline: Date.now() + 1000,
          identity: { scopes: [], via: "ws" },
        });
        const call = await settled(graph, "early");
        assert.equal(call.status, "ok");
        assert.equal(call.location, "elsewhere");
      },
    );
  } finally {
    await graph.close();
    await close();
  }
});

Deno.test("CallGraph evicts finished trees by count and age, and times out stale calls", async () => {
  const { pubsub, caller, close } = rig([echo, parent, child]);
  const graph = new CallGraph({
    pubsub,
    maxFinishedRoots: 2,
    finishedTtlMs: 60_000,
    staleGraceMs: 100,
  });
  try {
    for (const id of ["r1", "r2", "r3"]) {
      await caller.call(parent, {}, { identity: admin, requestId: id });
      await settled(graph, id);
    }
    assert.equal(graph.get("r1"), undefined); // the oldest finished tree went, whole
    assert.ok(graph.get("r2") && graph.get("r3"));
    assert.equal(graph.size, 8);

    // A call nobody answers (no executor at "void"), still running.
    const deadline = Date.now() + 120_000;
    pubsub.publish("call.requested", "void", {
      requestId: "lost",
      operation: "remote.op",
      input: {},
      deadline,
      identity: { scopes: [], via: "ws" },
    });
    await recorded(graph, "lost");
    graph.sweep(Date.now() + 61_000); // past the TTL: finished trees go, running ones stay
    assert.equal(graph.get("r2"), undefined);
    assert.equal(graph.get("r3"), undefined);
    assert.equal(graph.record("lost")?.status, "running");
    graph.sweep(deadline + 101); // past deadline + grace: the lost answer is a timeout
    const lost = graph.record("lost")!;
    assert.equal(lost.status, "timeout");
    assert.equal(lost.endedAt, deadline + 101);
  } finally {
    await graph.close();
    await close();
  }
});

Deno.test("CallGraph keeps at most maxNodes calls, dropping the oldest trees first", async () => {
  const { pubsub, caller, close } = rig([echo]);
  const graph = new CallGraph({ pubsub, maxNodes: 10 });
  try {
    for (let i = 0; i < 25; i++) {
      await caller.call(echo, { text: "x" }, { identity: admin, requestId: `e${i}` });
      await settled(graph, `e${i}`);
    }
    assert.equal(graph.size, 10);
    assert.equal(graph.record("e14"), undefined);
    assert.ok(graph.record("e15") && graph.record("e24"));
  } finally {
    await graph.close();
    await close();
  }
});

Deno.test("CallGraph.observe(caller) records calls run directly and calls refused before dispatch", async () => {
  const pubsub = createPubSub<CallEventMap>();
  const registry = new OperationRegistry();
  const caller = createCaller({ pubsub, registry });
  const server = serveOperations({
    pubsub,
    registry,
    caller,
    location: SUPERVISOR,
    operations: [echo, parent, child, crashes],
  });
  const graph = new CallGraph({ pubsub });
  const stop = graph.observe(caller);
  try {
    await caller.call(parent, {}, { identity: opsUser, requestId: "direct-root" });
    // Direct calls are recorded synchronously: no bus to catch up with.
    assert.deepEqual(shape(graph.get("direct-root")!), ["test.parent", "ok", [
      ["test.echo", "ok", []],
      ["test.child", "ok", [["test.echo", "ok", []]]],
    ]]);
    await assert.rejects(caller.call(crashes, {}, { identity: admin, requestId: "direct-crash" }));
    assert.equal(graph.record("direct-crash")?.errorCode, "internal");
    await assert.rejects(
      caller.call("test.echo", { text: 1 }, { identity: admin, requestId: "refused" }),
    );
    const refused = graph.record("refused")!;
    assert.deepEqual([refused.status, refused.errorCode, refused.callerKeyId], [
      "error",
      "bad_request",
      "key-admin",
    ]);
    stop();
    await caller.call(echo, { text: "x" }, { identity: opsUser, requestId: "unobserved" });
    assert.equal(graph.record("unobserved"), undefined);
  } finally {
    await graph.close();
    await caller.close();
    await server.close();
  }
});
