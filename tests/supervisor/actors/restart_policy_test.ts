import assert from "node:assert/strict";
import { RestartPolicy } from "../../../src/supervisor/actors/mod.ts";

const options = { maxRestarts: 3, windowMs: 1000, backoffBaseMs: 100, backoffMaxMs: 500 };

Deno.test("RestartPolicy.onCrash() grows the delay ceiling exponentially up to backoffMaxMs", () => {
  const high = new RestartPolicy({ ...options, maxRestarts: 10, windowMs: 1e9 }, () => 1);
  const ceilings = [0, 1, 2, 3, 4].map((i) => high.onCrash(i));
  assert.deepEqual(ceilings.map((d) => d.restart && d.delayMs), [200, 400, 500, 500, 500]);
  const low = new RestartPolicy({ ...options, maxRestarts: 10, windowMs: 1e9 }, () => 0);
  assert.deepEqual([0, 1, 2].map((i) => low.onCrash(i)).map((d) => d.restart && d.delayMs), [
    100,
    100,
    100,
  ]);
});

Deno.test("RestartPolicy.onCrash() jitters uniformly between the base and the ceiling", () => {
  const policy = new RestartPolicy({ ...options, windowMs: 1e9, maxRestarts: 1 }, () => 0.5);
  assert.deepEqual(policy.onCrash(0), { restart: true, delayMs: 150, attempt: 1 });
});

Deno.test("RestartPolicy.onCrash() gives up after maxRestarts within the window", () => {
  const policy = new RestartPolicy(options, () => 0);
  assert.deepEqual([0, 10, 20].map((at) => policy.onCrash(at).restart), [true, true, true]);
  assert.deepEqual(policy.onCrash(30), { restart: false, restarts: 3 });
});

Deno.test("RestartPolicy.onCrash() forgets restarts older than the window", () => {
  const policy = new RestartPolicy(options, () => 0);
  for (const at of [0, 10, 20]) policy.onCrash(at);
  const decision = policy.onCrash(1005);
  assert.equal(decision.restart, true);
  assert.equal(decision.restart && decision.attempt, 3);
});

Deno.test("RestartPolicy() throws RangeError when backoffMaxMs is below backoffBaseMs", () => {
  assert.throws(
    () => new RestartPolicy({ ...options, backoffMaxMs: 10 }),
    (error: Error) => error instanceof RangeError && /backoffMaxMs \(10\)/.test(error.message),
  );
});
