import assert from "node:assert/strict";
import { UNTRUSTED_SCHEMA_LIMITS } from "../../../src/operations/_untrusted_schema.ts";
import { KEYS, rawSocket, registeredRawSpoke, withRig } from "./_rig.ts";

/** The review's example: exponential on a backtracking engine for "a"×n + "!". */
const EVIL = "^(a|aa)+$";

function spec(name: string, input: Record<string, unknown>, output: Record<string, unknown> = {}) {
  return {
    name,
    kind: "query",
    description: "A schema from outside the hub",
    input: { type: "object", ...input },
    output: { type: "object", ...output },
    access: { scopes: [] },
  };
}

Deno.test("spoke schemas: a catastrophic pattern runs in linear time on the main thread", async () => {
  await withRig(async (rig) => {
    const raw = await registeredRawSpoke(rig.wsUrl, [
      spec(
        "lab.evil",
        { properties: { s: { type: "string", pattern: EVIL } }, required: ["s"] },
        { properties: { echo: { type: "string", pattern: EVIL } } },
      ),
    ]);
    // A backtracking engine would take ages on this input (2^25 paths for 50 "a"s and far
    // more here); the call is refused at once, and /health answers right after it.
    const refused = await rig.call("lab.evil", { s: `${"a".repeat(50_000)}!` });
    assert.equal(refused.status, 400);
    assert.equal((refused.body.error as { code: string }).code, "bad_request");
    assert.match(JSON.stringify(refused.body), /\/s/);
    assert.equal((await rig.request("/health")).status, 200);

    // A matching input reaches the spoke, and the output is checked by the same engine.
    const call = rig.call("lab.evil", { s: "aaaa" });
    const requested = await raw.next("call.requested");
    assert.deepEqual(requested.payload.input, { s: "aaaa" });
    const requestId = requested.payload.requestId;
    raw.send({
      type: "call.responded",
      id: requestId,
      payload: { requestId, output: { echo: `${"a".repeat(50_000)}!` } },
    });
    const answered = await call;
    assert.equal(answered.status, 500, "an output that breaks its own schema is internal");
    raw.ws.close();
    await raw.closed;
  });
});

Deno.test("spoke schemas: what RE2 cannot run, patternProperties and oversized schemas are refused", async (t) => {
  await withRig(async (rig) => {
    const refusedRegistration = async (operation: unknown) => {
      const raw = await rawSocket(rig.wsUrl, KEYS.spoke.token);
      await raw.next("welcome");
      raw.send({
        type: "register",
        id: "reg",
        payload: {
          protocol: 1,
          name: "raw",
          version: "1",
          maxInFlight: 1,
          operations: [operation],
        },
      });
      const error = await raw.next("error");
      raw.ws.close();
      await raw.closed;
      assert.equal(error.payload.code, "bad_request");
      return error.payload.message as string;
    };

    await t.step("a backreference", async () => {
      const message = await refusedRegistration(
        spec("lab.backref", { properties: { s: { type: "string", pattern: "^(a)\\1$" } } }),
      );
      assert.match(message, /\/properties\/s\/pattern cannot run in linear time/);
    });
    await t.step("a lookahead deep in a oneOf", async () => {
      const message = await refusedRegistration(
        spec("lab.look", { oneOf: [{ properties: { s: { pattern: "(?=a)" } } }] }),
      );
      assert.match(message, /\/oneOf\/0\/properties\/s\/pattern/);
    });
    await t.step("patternProperties", async () => {
      const message = await refusedRegistration(
        spec("lab.pp", { patternProperties: { "^x-": { type: "string" } } }),
      );
      assert.match(message, /patternProperties is not allowed/);
    });
    await t.step("a schema over the size limit", async () => {
      const big = "x".repeat(UNTRUSTED_SCHEMA_LIMITS.maxBytes);
      const message = await refusedRegistration(spec("lab.big", { description: big }));
      assert.match(message, /bytes is over the limit/);
    });
    await t.step("a schema nested too deep", async () => {
      let nested: Record<string, unknown> = { type: "string" };
      for (let i = 0; i < UNTRUSTED_SCHEMA_LIMITS.maxDepth; i++) {
        nested = { type: "object", properties: { n: nested } };
      }
      const message = await refusedRegistration(spec("lab.deep", nested));
      assert.match(message, /nested deeper than/);
    });
    await t.step('a property named "pattern" is a name, not a keyword', async () => {
      const raw = await registeredRawSpoke(rig.wsUrl, [
        spec("lab.named", { properties: { pattern: { type: "string" } } }),
      ]);
      assert.ok(rig.registry.get("lab.named"));
      raw.ws.close();
      await raw.closed;
    });
  });
});
