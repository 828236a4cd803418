import assert from "node:assert/strict";
import { withHub } from "../helpers/hub.ts";
import { fixtureActor, waitForState } from "./actors/_helpers.ts";

Deno.test("health: the public /health has no actor lastError after a crash; hub.status (a key) has it", async () => {
  await withHub(async (hub, { adminKey }) => {
    const handle = await hub.actors.start(fixtureActor("fragile"));
    // The crash report may overtake the answer (they travel on separate channels).
    await handle.api.crashSoon().catch((error) => assert.equal(error.code, "unavailable"));
    await waitForState(hub.actors, "fragile", (actor) => actor.lastError !== undefined);

    const report = await (await hub.app.request("/health")).json();
    const fragile = report.actors.find((actor: { id: string }) => actor.id === "fragile");
    assert.ok(fragile, "the actor is listed");
    assert.equal(fragile.restarts >= 0, true);
    assert.ok(!("lastError" in fragile), JSON.stringify(fragile));
    assert.ok(!JSON.stringify(report).includes("boom"));

    const status = await hub.app.request("/api/v1/operations/hub.status", {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const { output } = await status.json();
    const seen = output.actors.find((actor: { id: string }) => actor.id === "fragile");
    assert.match(seen.lastError, /crashed: boom outside a handler/);
  });
});
