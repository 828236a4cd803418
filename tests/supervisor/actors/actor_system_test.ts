import assert from "node:assert/strict";
import { HubError } from "@hub/errors";
import type { ActorStateChange } from "../../../src/supervisor/actors/mod.ts";
import { FIXTURE_EVENTS, type FixtureEvent } from "../../fixtures/fixture_api.ts";
import { fixtureActor, rejectedAtOnce, settle, waitForState, withSystem } from "./_helpers.ts";

Deno.test("ActorSystem.start() reports starting → running and tracks pending calls", async () => {
  await withSystem(async (system, liveWorkers) => {
    const changes: ActorStateChange[] = [];
    system.onStateChange((change) => changes.push(change));
    const handle = await system.start(fixtureActor("tracked"));
    assert.deepEqual(changes.map((c) => [c.previous, c.actor.state]), [["starting", "running"]]);
    assert.equal(liveWorkers(), 1);
    const slow = handle.api.slow(50, "done");
    assert.deepEqual(system.snapshot(), [
      { id: "tracked", kind: "fixture", state: "running", restarts: 0, pendingCalls: 1 },
    ]);
    assert.equal(await slow, "done");
    assert.equal(system.snapshot()[0].pendingCalls, 0);
  });
});

Deno.test("ActorSystem.start() rejects with a clear message when the factory throws", async () => {
  await withSystem(async (system) => {
    const { error } = await settle(system.start(fixtureActor("bad", { failOnStart: "no config" })));
    assert.ok(error instanceof HubError);
    assert.equal(error.code, "unavailable");
    assert.equal(
      error.message,
      'Cannot spawn actor "bad": worker crashed during startup: no config',
    );
    assert.deepEqual(system.snapshot(), [], "a failed spawn leaves nothing behind");
    const retry = await system.start(fixtureActor("bad"));
    assert.equal(await retry.api.echo(1), 1, "the id is free again");
  });
});

Deno.test("ActorSystem.start() survives a worker module that throws while loading", async () => {
  await withSystem(async (system) => {
    const definition = {
      kind: "broken",
      entry: new URL("../../fixtures/broken_actor.ts", import.meta.url),
    };
    const { error } = await settle(system.start(definition));
    assert.equal(error?.code, "unavailable");
    assert.match(
      error.message,
      /^Cannot spawn actor "broken": worker crashed during startup: .*broken at import/,
    );
  });
});

Deno.test("ActorSystem.start() rejects a taken id with conflict", async () => {
  await withSystem(async (system) => {
    await system.start(fixtureActor("twin"));
    const { error } = await settle(system.start(fixtureActor("twin")));
    assert.equal(error?.code, "conflict");
    assert.equal(error.message, 'Cannot spawn actor "twin": the id is taken');
  });
});

Deno.test("ActorSystem fails an actor after maxRestarts crashes; calls reject at once", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("crashy"));
    const states: string[] = [];
    const whileRestarting: Promise<HubError>[] = [];
    system.onStateChange(({ actor }) => {
      states.push(actor.state);
      // Called synchronously on the transition, before any restart can happen.
      if (actor.state === "restarting") whileRestarting.push(rejectedAtOnce(handle.api.echo(1)));
    });
    for (let restart = 1; restart <= 2; restart++) {
      const running = waitForState(
        system,
        "crashy",
        (a) => a.state === "running" && a.restarts === restart,
      );
      await settle(handle.api.crashSoon()); // answered, or rejected if the crash report overtook it
      await running;
    }
    const failed = waitForState(system, "crashy", (a) => a.state === "failed");
    await settle(handle.api.crashSoon());
    assert.equal((await failed).lastError, "worker crashed: boom outside a handler");
    assert.deepEqual(states, ["restarting", "running", "restarting", "running", "failed"]);
    assert.deepEqual(system.failed(), ["crashy"]);

    const refusals = await Promise.all(whileRestarting);
    assert.equal(refusals.length, 2);
    for (const error of refusals) {
      assert.equal(error.code, "unavailable");
      assert.equal(error.message, 'Cannot call actor "crashy": worker is restarting');
    }
    const error = await rejectedAtOnce(handle.api.echo(1));
    assert.equal(error.code, "unavailable");
    assert.equal(
      error.message,
      'Cannot call actor "crashy": worker has failed after 2 restarts within 10000 ms',
    );
  }, {
    restart: { maxRestarts: 2, windowMs: 10_000, backoffBaseMs: 20, backoffMaxMs: 40 },
  });
});

Deno.test("ActorSystem.shutdown() finishes calls in time, stops actors and terminates every worker", async () => {
  const stopped: string[] = [];
  const events = new BroadcastChannel(FIXTURE_EVENTS);
  const bothStopped = new Promise<void>((resolve) => {
    events.onmessage = (event: MessageEvent<FixtureEvent>) => {
      stopped.push(event.data.actorId);
      if (stopped.length === 2) resolve();
    };
  });
  try {
    await withSystem(async (system, liveWorkers) => {
      const quick = await system.start(fixtureActor("quick"));
      const stuck = await system.start(fixtureActor("stuck"));
      const finishing = settle(quick.api.slow(100, "finished"));
      const hanging = settle(stuck.api.hang());
      const shutdown = system.shutdown({ timeoutMs: 500 });
      const refused = await rejectedAtOnce(quick.api.echo(1));
      assert.equal(refused.message, 'Cannot call actor "quick": worker is shutting down');
      await shutdown;

      assert.equal((await finishing).value, "finished", "a call that finished in time is kept");
      const { error } = await hanging;
      assert.equal(error?.code, "unavailable");
      assert.equal(error.message, 'Cannot call actor "stuck": worker stopped');
      assert.deepEqual(system.snapshot().map((a) => a.state), ["stopped", "stopped"]);
      assert.equal(liveWorkers(), 0);
      await bothStopped;
      assert.deepEqual(stopped.sort(), ["quick", "stuck"], "stop hooks ran in both workers");

      const { error: late } = await settle(system.start(fixtureActor("late")));
      assert.equal(late?.message, 'Cannot spawn actor "late": the system is shutting down');
    });
  } finally {
    events.close();
  }
});

Deno.test("ActorSystem.shutdown() during a restart backoff stops without respawning", async () => {
  await withSystem(async (system, liveWorkers) => {
    const handle = await system.start(fixtureActor("backoff"));
    const restarting = waitForState(system, "backoff", (a) => a.state === "restarting");
    await settle(handle.api.crashSoon());
    await restarting;
    await system.shutdown({ timeoutMs: 200 });
    assert.equal(system.snapshot()[0].state, "stopped");
    assert.equal(liveWorkers(), 0);
  }, { restart: { maxRestarts: 5, windowMs: 10_000, backoffBaseMs: 5000, backoffMaxMs: 5000 } });
});

Deno.test("ActorSystem.restart() rejects an unknown id with not_found", async () => {
  await withSystem(async (system) => {
    const { error } = await settle(system.restart("ghost"));
    assert.equal(error?.code, "not_found");
  });
});
