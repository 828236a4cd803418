/**
 * The call protocol end to end over an in-process pubsub: one rig, one step
 * per behaviour, every event observed on the pubsub itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import { defineOperation, isCallEvent, serveOperations } from "@alkdev/operations";
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
  rig,
  waitsForAbort,
} from "./_fixtures.ts";
import { hubError } from "./_assert.ts";
import { observe } from "./_observe.ts";

Deno.test("call protocol over an in-process pubsub", async (t) => {
  let aborted: (reason: unknown) => void = () => {};
  const waits = waitsForAbort((reason) => aborted(reason));
  const ops = [echo, badOutput, refuses, crashes, waits, parent, child];
  const { pubsub, caller, server, registry, close } = rig(ops);
  const observer = observe(pubsub);

  try {
    await t.step(
      "a call round-trips: requested to the location, answered by request id",
      async () => {
        const output = await caller.call(echo, { text: "hi" }, {
          identity: opsUser,
          requestId: "r-1",
        });
        assert.deepEqual(output, { text: "hi" });
        const requested = await observer.waitFor((e) =>
          e.type === "call.requested" && e.payload.requestId === "r-1"
        );
        assert.equal(requested.id, "supervisor");
        assert.ok(requested.type === "call.requested");
        assert.equal(requested.payload.operation, "test.echo");
        assert.deepEqual(requested.payload.identity, opsUser);
        assert.ok(requested.payload.deadline > Date.now());
        assert.equal(requested.payload.parentRequestId, undefined);
        const responded = await observer.waitFor((e) =>
          e.type === "call.responded" && e.id === "r-1"
        );
        assert.deepEqual(responded.payload, { requestId: "r-1", output: { text: "hi" } });
      },
    );

    await t.step("an unknown operation is not_found and nothing is published", async () => {
      const before = observer.events.length;
      await assert.rejects(
        caller.call("test.missing", {}, { identity: admin }),
        hubError(
          "not_found",
          (e) => assert.equal(e.message, 'Cannot call operation "test.missing": not registered'),
        ),
      );
      assert.equal(observer.events.length, before);
    });

    await t.step("a caller without the scope is forbidden", async () => {
      await assert.rejects(
        caller.call(echo, { text: "x" }, { identity: nobody }),
        hubError("forbidden", (e) => assert.match(e.message, /missing scope "ops:test"/)),
      );
    });

    await t.step("bad input is bad_request with every path in details.errors", async () => {
      await assert.rejects(
        caller.call("test.echo", { text: 1, count: -1 }, { identity: admin }),
        hubError("bad_request", (e) => {
          assert.equal(e.message, 'Invalid input of "test.echo": /text must be string');
          assert.deepEqual(e.details, {
            errors: [
              { path: "/text", message: "must be string" },
              { path: "/count", message: "must be >= 0" },
            ],
          });
        }),
      );
    });

    await t.step(
      "invalid output becomes internal and the bad value never reaches the caller",
      async () => {
        const error = await caller.call(badOutput, {}, { identity: admin, requestId: "r-bad" })
          .catch((e) => e);
        hubError("internal", (e) => {
          assert.equal(e.message, 'Invalid output of "test.bad_output": /n must be number');
          assert.deepEqual(e.details, { errors: [{ path: "/n", message: "must be number" }] });
        })(error);
        const wire = await observer.waitFor((e) => e.type === "call.error" && e.id === "r-bad");
        assert.doesNotMatch(JSON.stringify(wire.payload), /secret-value/);
      },
    );

    await t.step("a handler's HubError keeps its code, message and details", async () => {
      await assert.rejects(
        caller.call(refuses, {}, { identity: admin }),
        hubError("conflict", (e) => {
          assert.equal(e.message, "Cannot refuse: already refused");
          assert.deepEqual(e.details, { why: "test" });
        }),
      );
    });

    await t.step(
      "an unknown throw becomes internal; its message and stack stay behind",
      async () => {
        const error = await caller.call(crashes, {}, { identity: admin, requestId: "r-crash" })
          .catch((e) => e);
        hubError("internal", (e) => assert.equal(e.message, "Internal error"))(error);
        const wire = await observer.waitFor((e) => e.type === "call.error" && e.id === "r-crash");
        assert.deepEqual(wire.payload, {
          requestId: "r-crash",
          error: { code: "internal", message: "Internal error" },
        });
      },
    );

    await t.step(
      "the deadline rejects timeout, publishes call.aborted and aborts the handler",
      async () => {
        const handlerAborted = new Promise((resolve) => (aborted = resolve));
        await assert.rejects(
          caller.call(waits, {}, { identity: admin, timeoutMs: 5, requestId: "r-slow" }),
          hubError(
            "timeout",
            (e) =>
              assert.equal(e.message, 'Cannot call operation "test.waits": no answer within 5 ms'),
          ),
        );
        const abort = await observer.waitFor((e) => e.type === "call.aborted" && e.id === "r-slow");
        assert.deepEqual(abort.payload, { requestId: "r-slow", reason: "timeout" });
        const reason = await handlerAborted;
        hubError("timeout")(reason);
      },
    );

    await t.step(
      "aborting the caller's signal rejects aborted and aborts the handler",
      async () => {
        const handlerAborted = new Promise((resolve) => (aborted = resolve));
        const controller = new AbortController();
        const call = caller.call(waits, {}, {
          identity: admin,
          signal: controller.signal,
          requestId: "r-abort",
        });
        await observer.waitFor((e) =>
          e.type === "call.requested" && e.payload.requestId === "r-abort"
        );
        controller.abort(new Error("user pressed stop"));
        await assert.rejects(call, hubError("aborted"));
        const abort = await observer.waitFor((e) =>
          e.type === "call.aborted" && e.id === "r-abort"
        );
        assert.deepEqual(abort.payload, { requestId: "r-abort", reason: "aborted" });
        hubError("aborted")(await handlerAborted);
        assert.equal(
          observer.events.some((e) => e.type === "call.error" && e.id === "r-abort"),
          false,
        );
      },
    );

    await t.step("an already aborted signal rejects at once, publishing nothing", async () => {
      const before = observer.events.length;
      await assert.rejects(
        caller.call(echo, { text: "x" }, { identity: admin, signal: AbortSignal.abort() }),
        hubError("aborted"),
      );
      assert.equal(observer.events.length, before);
    });

    await t.step("nested calls carry parentRequestId and rootRequestId", async () => {
      const output = await caller.call(parent, {}, { identity: opsUser, requestId: "root" });
      const requested = observer.events.filter((e) => e.type === "call.requested")
        .map((e) =>
          e.payload as {
            requestId: string;
            parentRequestId?: string;
            rootRequestId?: string;
            operation: string;
            identity: unknown;
          }
        );
      const tree = requested.filter((r) => r.requestId === "root" || r.rootRequestId === "root");
      assert.deepEqual(tree.map((r) => [r.operation, r.parentRequestId ?? null]), [
        ["test.parent", null],
        ["test.echo", "root"],
        ["test.child", "root"],
        ["test.echo", tree[2].requestId],
      ]);
      assert.ok(
        tree.every((r) =>
          r.identity === opsUser || JSON.stringify(r.identity) === JSON.stringify(opsUser)
        ),
      );
      assert.deepEqual(output, { ids: ["a", tree[2].requestId, "root", "root", "root"] });
    });

    await t.step(
      "a nested call keeps the caller's identity, so it cannot exceed the caller's scopes",
      async () => {
        const limited = { keyId: "k", scopes: ["sessions"], via: "http" };
        // test.parent needs no scope, but its nested test.echo needs ops:test.
        await assert.rejects(caller.call(parent, {}, { identity: limited }), hubError("forbidden"));
      },
    );

    await t.step("a failing child fails its parent with the child's code", async () => {
      await assert.rejects(
        caller.call(parent, { fail: true }, { identity: admin }),
        hubError("upstream_error"),
      );
    });

    await t.step("thousands of concurrent calls each resolve to their own caller", async () => {
      const n = 3000;
      const outputs = await Promise.all(
        Array.from(
          { length: n },
          (_, i) => caller.call(echo, { text: `t${i}` }, { identity: admin }),
        ),
      );
      outputs.forEach((output, i) => assert.equal(output.text, `t${i}`));
      assert.equal(caller.pending, 0);
      assert.equal(server.running, 0);
    });

    await t.step("the executor re-checks requests published without a caller", async () => {
      const deadline = Date.now() + 5_000;
      pubsub.publish("call.requested", "supervisor", {
        requestId: "raw-1",
        operation: "test.echo",
        input: { text: 5 },
        deadline,
        identity: admin,
      });
      pubsub.publish("call.requested", "supervisor", {
        requestId: "raw-2",
        operation: "test.echo",
        input: { text: "x" },
        deadline,
        identity: nobody,
      });
      pubsub.publish("call.requested", "supervisor", {
        requestId: "raw-3",
        operation: "test.nope",
        input: {},
        deadline,
        identity: admin,
      });
      const codes = await Promise.all(["raw-1", "raw-2", "raw-3"].map(async (id) => {
        const event = await observer.waitFor((e) => e.type === "call.error" && e.id === id);
        return (event.payload as { error: { code: string } }).error.code;
      }));
      assert.deepEqual(codes, ["bad_request", "forbidden", "not_found"]);
    });

    await t.step("the executor ignores requests whose deadline has passed", async () => {
      pubsub.publish("call.requested", "supervisor", {
        requestId: "late",
        operation: "test.echo",
        input: { text: "x" },
        deadline: Date.now() - 1,
        identity: admin,
      });
      pubsub.publish("call.requested", "supervisor", {
        requestId: "on-time",
        operation: "test.echo",
        input: { text: "x" },
        deadline: Date.now() + 5_000,
        identity: admin,
      });
      // Requests are served in order, so once "on-time" is answered "late" would have been too.
      await observer.waitFor((e) => e.type === "call.responded" && e.id === "on-time");
      assert.equal(
        observer.events.some((e) => e.id === "late" && e.type !== "call.requested"),
        false,
      );
    });

    await t.step("closing an executor fails its running calls with unavailable", async () => {
      const stopped = new Promise((resolve) => (aborted = resolve));
      const actor = { kind: "actor", id: "actor-1" } as const;
      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => (started = resolve));
      const other = defineOperation({
        ...waits,
        name: "actor.waits",
        handler: (input, ctx) => (started(), waits.handler(input, ctx)),
      });
      const actorServer = serveOperations({
        pubsub,
        registry,
        location: actor,
        operations: [other],
      });
      const call = caller.call(other, {}, { identity: admin, requestId: "r-actor" });
      await running; // the request reached the executor and its handler runs
      assert.equal(actorServer.running, 1);
      await actorServer.close();
      await assert.rejects(call, hubError("unavailable"));
      hubError("unavailable")(await stopped);
      assert.equal(registry.get("actor.waits"), undefined);
    });
  } finally {
    await observer.close();
    await close();
  }
});

Deno.test("isCallEvent() takes a client's request id and refuses ids with control characters", () => {
  const request = {
    requestId: "r-9",
    operation: "test.echo",
    input: {},
    deadline: Date.now() + 1000,
    identity: opsUser,
  };
  assert.ok(isCallEvent("call.requested", { ...request, clientRequestId: "client-1" }));
  assert.ok(!isCallEvent("call.requested", { ...request, clientRequestId: "" }));
  assert.ok(!isCallEvent("call.requested", { ...request, requestId: "r\u00009" }));
  assert.ok(!isCallEvent("call.responded", { requestId: "r\n", output: null }));
});
