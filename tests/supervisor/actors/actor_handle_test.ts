import assert from "node:assert/strict";
import { HubError } from "@hub/errors";
import type { ActorHandle } from "../../../src/supervisor/actors/mod.ts";
import type { FixtureApi } from "../../fixtures/fixture_api.ts";
import { fixtureActor, settle, withSystem } from "./_helpers.ts";

Deno.test("ActorHandle.call() and .api answer through a real Worker", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("echo"));
    assert.deepEqual(await handle.call("echo", [{ a: [1, 2] }]), { a: [1, 2] });
    assert.equal(await handle.api.echo("x"), "x");
    assert.equal(handle.api.echo, handle.api.echo, "one function per method");
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => handle.api.echo(i)));
    assert.deepEqual(answers, Array.from({ length: 50 }, (_, i) => i));
  });
});

Deno.test("ActorHandle.call() rejects with the HubError code thrown in the actor", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("fail"));
    const instance = await handle.api.instance();
    const { error } = await settle(handle.api.fail("not_found", 'Cannot find task "t1"'));
    assert.ok(error instanceof HubError);
    assert.equal(error.code, "not_found");
    assert.equal(error.message, 'Cannot find task "t1"');
    assert.equal(await handle.api.instance(), instance, "the actor stays up");
    assert.equal(system.snapshot()[0].restarts, 0);
  });
});

Deno.test("ActorHandle.call() turns an unknown throw into internal with its message", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("plain"));
    const { error } = await settle(handle.api.failPlain("bad shape"));
    assert.equal(error?.code, "internal");
    assert.equal(error?.message, "bad shape");
    assert.equal(await handle.api.echo(1), 1);
  });
});

Deno.test("ActorHandle.call() rejects with timeout at its deadline", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("hang"));
    const startedAt = performance.now();
    const short = settle(handle.call("hang", [], { timeoutMs: 100 }));
    const longer = settle(handle.call("hang", [], { timeoutMs: 250 }));
    const [first, second] = await Promise.all([short, longer]);
    assert.equal(first.error?.code, "timeout");
    assert.equal(
      first.error?.message,
      'Cannot call actor "hang": "hang" did not answer within 100 ms',
    );
    assert.ok(first.at - startedAt >= 99, `timed out after ${first.at - startedAt} ms`);
    assert.equal(second.error?.code, "timeout");
    assert.ok(second.at - startedAt >= 249, `timed out after ${second.at - startedAt} ms`);
    assert.equal(system.snapshot()[0].pendingCalls, 0);
    assert.equal(await handle.api.echo("still up"), "still up");
  }, { callTimeoutMs: 150 });
});

Deno.test("ActorHandle.call() uses callTimeoutMs when no timeout is given", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("default-timeout"));
    const { error } = await settle(handle.api.hang());
    assert.match(error?.message ?? "", /did not answer within 150 ms/);
  }, { callTimeoutMs: 150 });
});

Deno.test("ActorHandle.call() rejects with aborted when its signal aborts", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("abort"));
    const controller = new AbortController();
    const pending = settle(handle.call("hang", [], { signal: controller.signal }));
    assert.equal(system.snapshot()[0].pendingCalls, 1);
    controller.abort();
    assert.equal((await pending).error?.code, "aborted");
    const already = await settle(handle.call("echo", [1], { signal: controller.signal }));
    assert.equal(already.error?.code, "aborted");
    assert.equal(system.snapshot()[0].pendingCalls, 0);
  });
});

Deno.test("ActorHandle types reject unknown methods and wrong arguments", () => {
  // Compiled by `deno check`, never run: the assertions are the ts-expect-errors.
  const _typeTests = async (handle: ActorHandle<FixtureApi>) => {
    const echoed: unknown = await handle.api.echo("x");
    const slow: string = await handle.call("slow", [10, "done"]);
    // @ts-expect-error: no such method
    await handle.call("nope", []);
    // @ts-expect-error: slow takes (ms, value)
    await handle.call("slow", ["10"]);
    // @ts-expect-error: instance() resolves to a string
    const wrong: number = await handle.api.instance();
    // @ts-expect-error: no such method on the api proxy
    await handle.api.nope();
    return [echoed, slow, wrong];
  };
  assert.equal(typeof _typeTests, "function");
});

Deno.test("ActorHandle.call() rejects with internal when an argument cannot be cloned", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("clone"));
    const { error } = await settle(handle.api.echo(() => 1));
    assert.equal(error?.code, "internal");
    assert.match(error.message, /^Cannot call actor "clone": "echo" failed on the caller side: /);
    assert.equal(system.snapshot()[0].pendingCalls, 0);
    assert.equal(await handle.api.echo(2), 2);
  });
});
