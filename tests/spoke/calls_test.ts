import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation } from "@alkdev/operations";
import { type SerializedError } from "@hub/errors";
import { type CallSink, SpokeCalls } from "../../src/spoke/_calls.ts";

Deno.test("SpokeCalls forgets a call whose handler throws synchronously, so a retry runs again", async () => {
  const throwsAtOnce = defineOperation({
    name: "lab.throws",
    kind: "mutation",
    description: "Throws before returning a promise",
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: () => {
      throw new Error("boom");
    },
  });
  const calls = new SpokeCalls(new Map([[throwsAtOnce.name, throwsAtOnce]]));
  const failures: SerializedError[] = [];
  let failed: () => void = () => {};
  const sink: CallSink = {
    responded: () => {},
    failed: (_id, error) => (failures.push(error), failed()),
    progress: () => {},
  };
  const request = {
    requestId: "r-1",
    operation: "lab.throws",
    input: {},
    deadline: Date.now() + 10_000,
    identity: { scopes: ["spoke"], via: "ws" },
  };
  for (const attempt of [1, 2]) {
    const answered = new Promise<void>((resolve) => (failed = resolve));
    calls.start(request, sink);
    await answered;
    assert.equal(calls.size, 0, `attempt ${attempt} left its entry behind`);
  }
  assert.deepEqual(failures.map((e) => e.code), ["internal", "internal"]);
});
