import assert from "node:assert/strict";
import type { ActorHandle, ActorSystem } from "../../../src/supervisor/actors/mod.ts";
import type { FixtureApi } from "../../fixtures/fixture_api.ts";
import { fixtureActor, settle, waitForState, withSystem } from "./_helpers.ts";

interface Death {
  /**
   * Kills the worker. A "…Soon" method answers just before dying, but the answer (rpc port) and
   * the death report (worker channel) travel on different channels, so the
   * answer may lose the race and be rejected itself: either outcome is fine.
   */
  kill(handle: ActorHandle<FixtureApi>, system: ActorSystem): Promise<unknown>;
  reason: RegExp;
  /** A crash is recorded as the actor's lastError; an operator's restart is not. */
  crash?: boolean;
}

/**
 * One death, end to end: callers in flight are rejected `unavailable` before
 * the replacement worker runs (they never wait for the restart), the process
 * stays up, and the same handle reaches a fresh worker afterwards.
 */
async function diesAndRecovers(id: string, death: Death): Promise<void> {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor(id));
    const before = await handle.api.instance();
    let replaced = false;
    const restarted = waitForState(system, id, (a) => a.state === "running" && a.restarts === 1)
      .then(() => replaced = true);
    const pending = [handle.api.hang(), handle.api.hang()].map((call) =>
      settle(call).then((outcome) => ({ ...outcome, replaced }))
    );
    const down = waitForState(system, id, (a) => a.state === "restarting");

    await death.kill(handle, system);
    for (const { error, replaced } of await Promise.all(pending)) {
      assert.equal(error?.code, "unavailable");
      assert.match(error.message, new RegExp(`^Cannot call actor "${id}": worker `));
      assert.match(error.message, death.reason);
      assert.equal(replaced, false, "rejected before the new worker ran");
    }
    if (death.crash ?? true) assert.match((await down).lastError ?? "", death.reason);

    await restarted;
    assert.notEqual(await handle.api.instance(), before, "a new worker answers");
    assert.equal(await handle.api.echo("again"), "again");
  });
}

Deno.test("actor crashing outside a handler is restarted; callers get unavailable", async () => {
  await diesAndRecovers("crash", {
    kill: (handle) => settle(handle.api.crashSoon()),
    reason: /crashed: boom outside a handler/,
  });
});

Deno.test("actor with an unhandled rejection is restarted; callers get unavailable", async () => {
  await diesAndRecovers("reject", {
    kill: (handle) => settle(handle.api.rejectSoon()),
    reason: /crashed: unhandled boom/,
  });
});

Deno.test("actor closing itself is restarted; its own caller gets unavailable", async () => {
  await diesAndRecovers("close", {
    kill: async (handle) => {
      const { error } = await settle(handle.api.closeSelf());
      assert.equal(error?.code, "unavailable");
      assert.match(error.message, /worker closed itself/);
    },
    reason: /closed itself/,
  });
});

Deno.test("actor terminated by restart() is replaced; callers get unavailable", async () => {
  await diesAndRecovers("terminate", {
    kill: (_handle, system) => {
      void system.restart("terminate");
      return Promise.resolve();
    },
    reason: /was terminated for a restart/,
    crash: false,
  });
});

Deno.test("actor blocking its thread is terminated at the heartbeat timeout and restarted", async () => {
  await diesAndRecovers("spin", {
    kill: (handle) => {
      void handle.api.spin(1000).catch(() => {});
      return Promise.resolve();
    },
    reason: /stopped responding: no heartbeat for \d+ ms/,
  });
});

Deno.test("actor posting junk on its own channel neither crashes the supervisor nor dies", async () => {
  await withSystem(async (system) => {
    const handle = await system.start(fixtureActor("junk"));
    const before = await handle.api.instance();
    await handle.api.postJunk();
    // The junk travels on the lifecycle channel, the answers on the rpc port; a call that
    // spans a few heartbeat intervals (50 ms) gives the supervisor time to read the junk.
    assert.equal(await handle.api.slow(150, "still here"), "still here");
    assert.equal(await handle.api.instance(), before, "the same worker, never restarted");
    assert.equal(system.snapshot()[0].restarts, 0);
  });
});
