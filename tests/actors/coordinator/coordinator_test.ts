import assert from "node:assert/strict";
import { coordinatorActor, createCoordinator } from "../../../src/actors/coordinator/mod.ts";
import { withSystem } from "../../supervisor/actors/_helpers.ts";

Deno.test("createCoordinator() reports its start time and uptime from the injected clock", () => {
  let now = Date.UTC(2025, 0, 2, 3, 4, 5);
  const coordinator = createCoordinator({ actorId: "coordinator", now: () => now });
  now += 1500;
  assert.deepEqual(coordinator.status(), {
    startedAt: "2025-01-02T03:04:05.000Z",
    uptimeMs: 1500,
    actorId: "coordinator",
  });
  assert.equal(coordinator.ping(), "pong");
});

Deno.test("coordinatorActor answers ping() and status() from its Worker", async () => {
  await withSystem(async (system) => {
    const before = Date.now();
    const coordinator = await system.start(coordinatorActor);
    assert.equal(coordinator.id, "coordinator");
    assert.equal(await coordinator.api.ping(), "pong");
    const status = await coordinator.api.status();
    assert.equal(status.actorId, "coordinator");
    assert.ok(Date.parse(status.startedAt) >= before - 1, status.startedAt);
    assert.ok(status.uptimeMs >= 0 && status.uptimeMs < 60_000, `uptime ${status.uptimeMs}`);
  });
});
