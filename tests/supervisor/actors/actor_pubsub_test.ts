import assert from "node:assert/strict";
import { createPubSub, createPubSubRouter } from "@alkdev/pubsub";
import { fixtureActor, waitForState, withSystem } from "./_helpers.ts";

/** A system whose actors join `router`, and the main-thread pubsub over it. */
function hubBus() {
  const router = createPubSubRouter();
  return { router, pubsub: createPubSub<Record<string, unknown>>({ eventTarget: router }) };
}

Deno.test("actor pubsub: an actor publishes, the main thread receives", async () => {
  const { router, pubsub } = hubBus();
  await withSystem(async (system) => {
    const actor = await system.start(fixtureActor("publisher"));
    const events = pubsub.subscribe("job.done", "j1");
    const first = events.next();
    await router.sync(); // the actor has the router's subscription
    await actor.api.publish("job.done", "j1", { ok: true });
    assert.deepEqual((await first).value, { type: "job.done", id: "j1", payload: { ok: true } });
    await events.return();
  }, { router });
});

Deno.test("actor pubsub: the main thread publishes, the subscribed actor receives, scoped by id", async () => {
  const { router, pubsub } = hubBus();
  await withSystem(async (system) => {
    const actor = await system.start(fixtureActor("listener"));
    const bystander = await system.start(fixtureActor("bystander"));
    await actor.api.listen("job.start", "j2");
    const sentBefore = router.stats().sent;
    pubsub.publish("job.start", "j1", { n: 1 }); // another id: crosses no link
    pubsub.publish("job.start", "j2", { n: 2 });
    assert.deepEqual(await actor.api.received(), {
      type: "job.start",
      id: "j2",
      payload: { n: 2 },
    });
    assert.equal(router.stats().sent - sentBefore, 1, "one event crossed one link");
    assert.equal((await bystander.api.instance()).length, 36);
  }, { router });
});

Deno.test("actor pubsub: actor to actor through the router; a restarted actor re-joins", async () => {
  const { router } = hubBus();
  await withSystem(async (system) => {
    const a = await system.start(fixtureActor("a"));
    const b = await system.start(fixtureActor("b"));
    await b.api.listen("chat", "room");
    await a.api.publish("chat", "room", { text: "hi" });
    assert.deepEqual((await b.api.received()).payload, { text: "hi" });

    const links = router.linkCount();
    await b.api.crashSoon();
    await waitForState(system, "b", (actor) => actor.restarts === 1 && actor.state === "running");
    assert.equal(router.linkCount(), links, "the dead worker's link left, the new one joined");
    await b.api.listen("chat", "room");
    await a.api.publish("chat", "room", { text: "again" });
    assert.deepEqual((await b.api.received()).payload, { text: "again" });
  }, { router });
});
