import assert from "node:assert/strict";
import Type from "typebox";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  type CallToolResult,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { defineOperation, listen } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { reportProgress } from "../../../src/spoke/mod.ts";
import { gate, KEYS, registeredRawSpoke, withRig } from "./_rig.ts";
import { waitFor } from "../../helpers/wait_for.ts";

const echo = defineOperation({
  name: "lab.echo",
  kind: "query",
  description: "Echoes its text",
  input: Type.Object({ text: Type.String() }),
  output: Type.Object({ text: Type.String(), by: Type.String() }),
  access: { scopes: ["ops:lab"] },
  handler: ({ text }) => ({ text, by: "?" }),
});

/** `lab.echo` answered by a named spoke. */
function echoBy(by: string) {
  return defineOperation({ ...echo, handler: ({ text }) => ({ text, by }) });
}

/** `lab.hold`: holds each call until the test releases it; `started` sees every call. */
function holder(by: string, started: (release: () => void, signal: AbortSignal) => void) {
  return defineOperation({
    name: "lab.hold",
    kind: "mutation",
    description: "Runs until released",
    input: Type.Object({}),
    output: Type.Object({ by: Type.String() }),
    access: { scopes: [] },
    handler: (_input, ctx) => {
      const done = gate();
      started(() => done.resolve(), ctx.signal);
      ctx.signal.addEventListener("abort", () => done.reject(ctx.signal.reason), { once: true });
      return done.promise.then(() => ({ by }));
    },
  });
}

Deno.test("a spoke operation is listed and called over HTTP and MCP, and the graph names its spoke", async () => {
  await withRig(async (rig) => {
    const { client: mcp, listening } = await rig.mcp(KEYS.admin.token);
    const changed = gate();
    mcp.setNotificationHandler(ToolListChangedNotificationSchema, () => changed.resolve());
    // The MCP client learns about the spoke's tool through tools/list_changed.
    await listening;
    const spoke = await rig.spoke({ operations: [echoBy("one")], name: "box-one" });

    const listed = await (await rig.request("/api/v1/operations")).json();
    const names = listed.operations.map((op: { name: string }) => op.name);
    assert.ok(names.includes("lab.echo"), names.join());

    const spokes = await (await rig.request("/api/v1/spokes")).json();
    assert.equal(spokes.spokes.length, 1);
    assert.equal(spokes.spokes[0].name, "box-one");
    assert.equal(spokes.spokes[0].id, spoke.spokeId);
    assert.deepEqual(spokes.spokes[0].operations, ["lab.echo"]);

    // The graph observes the bus on its own subscriptions: wait for the call's end.
    const ended = gate<string | undefined>();
    const stopWatching = rig.graph.onChange((call) => {
      if (call.operation === "lab.echo" && call.status === "ok") ended.resolve(call.runner);
    });
    const { status, body } = await rig.call("lab.echo", { text: "hi" });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.output, { text: "hi", by: "one" });

    // Recorded: one call, at the spoke pool, naming the spoke that ran it.
    assert.equal(await ended.promise, spoke.spokeId);
    stopWatching();
    const tree = rig.graph.get(body.requestId as string)!;
    assert.equal(tree.call.location, "spokes");
    assert.equal(tree.call.status, "ok");
    assert.equal(tree.call.runner, spoke.spokeId);
    assert.equal(tree.children.length, 0);

    // Invalid input never reaches the spoke.
    const bad = await rig.call("lab.echo", { text: 5 });
    assert.equal(bad.status, 400);

    await changed.promise;
    const { tools } = await mcp.listTools();
    assert.ok(tools.some((tool) => tool.name === "lab.echo"));
    const result = await mcp.callTool({
      name: "lab.echo",
      arguments: { text: "via mcp" },
    }) as CallToolResult;
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { text: "via mcp", by: "one" });
  });
});

Deno.test("a call too large for a spoke's frame fails alone with payload_too_large", async () => {
  const maxFrameBytes = 16 * 1024;
  await withRig(async (rig) => {
    let ran = 0;
    await rig.spoke({
      operations: [
        defineOperation({ ...echo, handler: ({ text }) => (ran++, { text, by: "one" }) }),
      ],
      maxFrameBytes,
    });
    // Multi-byte text: the check counts UTF-8 bytes, not characters.
    const big = await rig.call("lab.echo", { text: "é".repeat(maxFrameBytes / 2) });
    assert.equal(big.status, 413, JSON.stringify(big.body));
    const error = big.body.error as { code: string; message: string };
    assert.equal(error.code, "payload_too_large");
    assert.match(error.message, /over the 16384-byte frame limit of spokes/);
    assert.equal(rig.spokes.stats().inFlight, 0, "no slot is held");

    const small = await rig.call("lab.echo", { text: "hi" });
    assert.equal(small.status, 200, "the spoke and its connection are unaffected");
    assert.equal(ran, 1, "only the call that fits reached the spoke");
  }, { maxFrameBytes });
});

Deno.test("two spokes share an operation: least loaded first, then a bounded queue", async () => {
  await withRig(async (rig) => {
    const held: { by: string; release: () => void }[] = [];
    const arrived: PromiseWithResolvers<void>[] = Array.from({ length: 5 }, () => gate());
    const onStart = (by: string) => (release: () => void) => {
      held.push({ by, release });
      arrived[held.length - 1].resolve();
    };
    await rig.spoke({ name: "a", operations: [holder("a", onStart("a"))], maxInFlight: 2 });
    await rig.spoke({ name: "b", operations: [holder("b", onStart("b"))], maxInFlight: 2 });
    const calls = Array.from({ length: 4 }, () => rig.call("lab.hold", {}));
    await Promise.all(arrived.slice(0, 4).map((a) => a.promise));
    const load = (by: string) => held.filter((h) => h.by === by).length;
    assert.equal(load("a"), 2);
    assert.equal(load("b"), 2);

    // Both full: the fifth call queues and runs when a slot frees.
    const fifth = rig.call("lab.hold", {});
    await waitFor(() => rig.spokes.stats().queued === 1, { what: "the fifth call to queue" });
    held[0].release();
    await arrived[4].promise;
    assert.equal(held[4].by, held[0].by, "the freed spoke takes the queued call");
    for (const h of held.slice(1)) h.release();
    const results = await Promise.all([...calls, fifth]);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
  });
});

Deno.test("calls beyond the queue bound are refused with unavailable", async () => {
  await withRig(async (rig) => {
    const releases: (() => void)[] = [];
    const first = gate();
    await rig.spoke({
      operations: [holder("a", (release) => (releases.push(release), first.resolve()))],
      maxInFlight: 1,
    });
    const running = rig.call("lab.hold", {});
    await first.promise;
    const queued = [rig.call("lab.hold", {}), rig.call("lab.hold", {})];
    await waitFor(() => rig.spokes.stats().queued === 2, { what: "two queued calls" });
    const refused = await rig.call("lab.hold", {});
    assert.equal(refused.status, 503);
    assert.equal((refused.body.error as { code: string }).code, "unavailable");
    assert.match((refused.body.error as { message: string }).message, /2 calls are queued/);
    // The queued ones still run.
    const drain = setInterval(() => releases.splice(0).forEach((release) => release()), 5);
    try {
      assert.deepEqual((await Promise.all([running, ...queued])).map((r) => r.status), [
        200,
        200,
        200,
      ]);
    } finally {
      clearInterval(drain);
    }
  }, { maxQueued: 2 });
});

Deno.test("a caller's deadline and abort reach the spoke's handler", async () => {
  await withRig(async (rig) => {
    const signals: AbortSignal[] = [];
    let started: () => void = () => {};
    const nextStart = () => new Promise<void>((resolve) => (started = resolve));
    const spoke = await rig.spoke({
      operations: [holder("a", (_release, signal) => (signals.push(signal), started()))],
    });
    const firstStart = nextStart();
    const timedOut = await rig.call("lab.hold", {}, { timeoutMs: 200 });
    assert.equal(timedOut.status, 504);
    await firstStart; // the handler ran (it may start late on a loaded machine)
    assert.equal(signals.length, 1);
    if (!signals[0].aborted) {
      await new Promise((resolve) => signals[0].addEventListener("abort", resolve, { once: true }));
    }
    assert.equal((signals[0].reason as HubError).code, "timeout");

    // An HTTP client that goes away aborts the call.
    const client = new AbortController();
    const second = gate();
    const secondStart = nextStart();
    const aborted = rig.call("lab.hold", {}, { signal: client.signal }).catch(() => "gone");
    await secondStart;
    second.resolve();
    client.abort();
    assert.equal(await aborted, "gone");
    if (!signals[1].aborted) {
      await new Promise((resolve) => signals[1].addEventListener("abort", resolve, { once: true }));
    }
    assert.equal((signals[1].reason as HubError).code, "aborted");
    // The spoke answered both aborted calls, which freed their slots. (Whether an answer
    // counts as late depends on whether the spoke's own deadline timer or the hub's
    // call.aborted got there first, so the count is not asserted.)
    await waitFor(() => rig.spokes.stats().inFlight === 0 && spoke.running === 0, {
      what: "the aborted calls' slots to free",
    });
    assert.equal(rig.spokes.stats().inFlight, 0);
    assert.ok(rig.spokes.stats().lateResults >= 1); // the aborted one always answers late
  });
});

Deno.test("answers after the hub forgot a call (deadline + grace) are ignored and counted as unknown", async () => {
  await withRig(async (rig) => {
    const raw = await registeredRawSpoke(rig.wsUrl, [{ ...echo.spec }]);
    const before = rig.spokes.stats();

    // A caller that stops waiting itself: the hub passes its abort on to the spoke.
    const gaveUp = await rig.call("lab.echo", { text: "a" }, { timeoutMs: 200 });
    assert.equal(gaveUp.status, 504, JSON.stringify(gaveUp.body));
    const first = await raw.next("call.requested");
    await raw.next("call.aborted");

    // A caller that never aborts (straight on the bus): past deadline + grace the hub answers
    // `timeout` itself. The sweep that does so has dropped the first call too (its deadline
    // is earlier).
    const hubAnswer = gate<string>();
    const watching = listen(rig.pubsub, "call.error", ({ payload }) => {
      hubAnswer.resolve(payload.error.code);
    }, { id: "late-2" });
    rig.pubsub.publish("call.requested", "spokes", {
      requestId: "late-2",
      operation: "lab.echo",
      input: { text: "b" },
      deadline: Date.now() + 200,
      identity: { scopes: ["admin"], via: "test" },
    });
    const second = await raw.next("call.requested");
    assert.equal(second.payload.requestId, "late-2");
    assert.equal(await hubAnswer.promise, "timeout");
    await watching.close();

    // Now the spoke answers both; a heartbeat after them comes back once both are handled.
    for (const request of [first, second]) {
      const requestId = request.payload.requestId;
      raw.send({
        type: "call.error",
        id: requestId,
        payload: { requestId, error: { code: "timeout", message: "too slow" } },
      });
    }
    raw.send({ type: "heartbeat", id: "after-answers", payload: {} });
    while ((await raw.next("heartbeat")).id !== "after-answers");
    const after = rig.spokes.stats();
    assert.equal(after.unknownResults - before.unknownResults, 2);
    assert.equal(after.lateResults, before.lateResults);
    raw.ws.close();
    await raw.closed;
  });
});

Deno.test("a spoke that drops mid-call fails the call with unavailable, and its operations go", async () => {
  await withRig(async (rig) => {
    // A raw spoke, so the test can cut the socket exactly while the call runs.
    const raw = await registeredRawSpoke(rig.wsUrl, [{ ...echo.spec }]);
    const pending = rig.call("lab.echo", { text: "x" }, { timeoutMs: 30_000 });
    const request = await raw.next("call.requested");
    assert.equal(request.payload.operation, "lab.echo");
    raw.ws.close();
    const { status, body } = await pending;
    assert.equal(status, 503, JSON.stringify(body));
    assert.equal((body.error as { code: string }).code, "unavailable");
    assert.equal(rig.registry.get("lab.echo"), undefined);
  });
});

Deno.test("an idempotent call cut off by a disconnect is retried once on another spoke", async () => {
  await withRig(async (rig) => {
    const started = gate();
    const retryable = (by: string) => ({
      operation: holder(by, (release) => by === "b" ? release() : started.resolve()),
      idempotent: true,
    });
    const a = await rig.spoke({ name: "a", operations: [retryable("a")], reconnect: false });
    await rig.spoke({ name: "b", operations: [retryable("b")] });
    const pending = rig.call("lab.hold", {});
    await started.promise; // running on "a", the first registered, equally loaded
    assert.ok(rig.spokes.disconnect(a.spokeId!));
    const { status, body } = await pending;
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.output, { by: "b" });
    assert.equal(rig.spokes.stats().retried, 1);
  });
});

Deno.test("a call that is not idempotent is not retried", async () => {
  await withRig(async (rig) => {
    const started = gate();
    const a = await rig.spoke({
      name: "a",
      operations: [holder("a", () => started.resolve())],
      reconnect: false,
    });
    await rig.spoke({ name: "b", operations: [holder("b", (release) => release())] });
    const pending = rig.call("lab.hold", {});
    await started.promise;
    rig.spokes.disconnect(a.spokeId!);
    const { status } = await pending;
    assert.equal(status, 503);
    assert.equal(rig.spokes.stats().retried, 0);
  });
});

Deno.test("a spoke reconnects after losing the hub and serves again", async () => {
  await withRig(async (rig) => {
    const events: string[] = [];
    const spoke = await rig.spoke({
      operations: [echoBy("phoenix")],
      onEvent: (event) => events.push(event.type),
    });
    const firstId = spoke.spokeId!;
    const back = gate();
    const stop = rig.registry.onChange((changes) => {
      if (changes.some((c) => c.type === "added" && c.name === "lab.echo")) back.resolve();
    });
    rig.spokes.disconnect(firstId);
    await back.promise;
    stop();
    await spoke.ready();
    assert.notEqual(spoke.spokeId, firstId);
    assert.ok(events.includes("reconnecting"), events.join());
    const { status, body } = await rig.call("lab.echo", { text: "again" });
    assert.equal(status, 200);
    assert.deepEqual(body.output, { text: "again", by: "phoenix" });
  });
});

Deno.test("a graceful close finishes running calls, refuses new ones and removes the operations", async () => {
  await withRig(async (rig) => {
    const releases: (() => void)[] = [];
    const started = gate();
    const spoke = await rig.spoke({
      operations: [holder("a", (release) => (releases.push(release), started.resolve()))],
    });
    const running = rig.call("lab.hold", {});
    await started.promise;
    const closing = spoke.close({ timeoutMs: 10_000 });
    await waitFor(() => rig.spokes.list()[0]?.state === "draining", { what: "the spoke to drain" });
    const refused = await rig.call("lab.hold", {});
    assert.equal(refused.status, 503);
    releases[0]();
    assert.equal((await running).status, 200);
    await closing;
    assert.equal(spoke.state, "closed");
    await waitFor(() => rig.registry.get("lab.hold") === undefined, {
      what: "the operation to leave the registry",
    });
  });
});

Deno.test("progress reported by a handler is published on the hub bus", async () => {
  await withRig(async (rig) => {
    const steps = defineOperation({
      name: "lab.steps",
      kind: "mutation",
      description: "Reports two steps",
      input: Type.Object({}),
      output: Type.Null(),
      access: { scopes: [] },
      handler: (_input, ctx) => {
        reportProgress(ctx, { step: 1 });
        reportProgress(ctx, { step: 2 });
        return null;
      },
    });
    await rig.spoke({ operations: [steps] });
    const seen: unknown[] = [];
    const subscription = rig.pubsub.subscribe("call.progress");
    const collect = (async () => {
      for await (const event of subscription) {
        seen.push((event.payload as { progress: unknown }).progress);
        if (seen.length === 2) return;
      }
    })();
    const { status } = await rig.call("lab.steps", {});
    assert.equal(status, 200);
    await collect;
    assert.deepEqual(seen, [{ step: 1 }, { step: 2 }]);
  });
});

Deno.test("a spoke error with a long message reaches its caller, cut to the wire limit", async () => {
  await withRig(async (rig) => {
    const failing = defineOperation({
      name: "lab.fail",
      kind: "query",
      description: "Fails with a long message (an upstream body, say)",
      input: Type.Object({}),
      output: Type.Null(),
      access: { scopes: [] },
      handler: () => {
        throw new HubError("upstream_error", `Upstream said: ${"x".repeat(10_000)}`);
      },
    });
    await rig.spoke({ operations: [failing] });
    const { status, body } = await rig.call("lab.fail", {}, { timeoutMs: 3_000 });
    const error = body.error as { code: string; message: string };
    assert.equal(status, 502, JSON.stringify(body).slice(0, 200));
    assert.equal(error.code, "upstream_error");
    assert.ok(error.message.startsWith("Upstream said: xxx"));
    assert.ok(error.message.length <= 8192);
    assert.equal(rig.spokes.stats().malformed, 0);
  });
});

Deno.test("an output above the frame limit fails its own call, not the spoke's connection", async () => {
  await withRig(async (rig) => {
    const big = defineOperation({
      name: "lab.big",
      kind: "query",
      description: "Returns more than one frame may hold",
      input: Type.Object({}),
      output: Type.Object({ data: Type.String() }),
      access: { scopes: [] },
      handler: () => ({ data: "x".repeat(70_000) }),
    });
    const releases: (() => void)[] = [];
    const started = gate();
    const events: string[] = [];
    await rig.spoke({
      operations: [big, holder("a", (release) => (releases.push(release), started.resolve()))],
      maxFrameBytes: 64 * 1024,
      onEvent: (event) => events.push(event.type),
    });
    const running = rig.call("lab.hold", {});
    await started.promise;
    const { status, body } = await rig.call("lab.big", {});
    assert.equal(status, 413, JSON.stringify(body).slice(0, 200));
    assert.equal((body.error as { code: string }).code, "payload_too_large");
    // The other call on the same spoke was not cut off with it.
    releases[0]();
    assert.equal((await running).status, 200);
    assert.ok(!events.includes("disconnected"), events.join());
    assert.equal(rig.spokes.stats().oversized, 0);
  }, { maxFrameBytes: 64 * 1024 });
});
