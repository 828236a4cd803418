import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation, OperationRegistry } from "@alkdev/operations";
import { admin, echo, rig } from "./_fixtures.ts";

Deno.test("defineOperation() returns a frozen definition with a JSON-only spec", () => {
  assert.ok(Object.isFrozen(echo));
  assert.deepEqual(echo.spec, {
    name: "test.echo",
    kind: "query",
    description: "Returns its input's text",
    input: JSON.parse(JSON.stringify(echo.input)),
    output: JSON.parse(JSON.stringify(echo.output)),
    access: { scopes: ["ops:test"] },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(echo.spec)), echo.spec);
  assert.equal(echo.validators.input.Check({ text: "x" }), true);
  assert.equal(echo.validators.input.Check({ text: 1 }), false);
});

Deno.test("defineOperation() refuses bad names, kinds, access and handlers with TypeError", () => {
  const base = {
    name: "a.b",
    kind: "query" as const,
    description: "",
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: () => null,
  };
  for (const name of ["plain", "A.b", "a..b", "a.b.", "1a.b", "a.b-c", "a.B", ""]) {
    assert.throws(() => defineOperation({ ...base, name }), {
      name: "TypeError",
      message: `Invalid operation name ${
        JSON.stringify(name)
      }: expected dotted lowercase words like "coord.spawn"`,
    }, name);
  }
  for (const name of ["a.b", "coord.spawn", "fs.read_file", "a1.b2.c3"]) {
    assert.equal(defineOperation({ ...base, name }).name, name);
  }
  assert.throws(
    () => defineOperation({ ...base, kind: "stream" as "query" }),
    {
      name: "TypeError",
      message: 'Cannot define operation "a.b": kind must be one of query, mutation, subscription',
    },
  );
  assert.throws(
    () => defineOperation({ ...base, access: { scopes: [1 as unknown as string] } }),
    /access.scopes must be a list of strings/,
  );
  assert.throws(
    () => defineOperation({ ...base, handler: undefined as unknown as () => null }),
    /handler must be a function/,
  );
});

Deno.test("defineOperation() compiles each schema once, not per call", async () => {
  // The schema's `type` is read while compiling; validation runs generated
  // code that never looks at the schema again, so the count must not move.
  let reads = 0;
  const counted = <T extends object>(schema: T): T => {
    const type = (schema as { type: string }).type;
    return Object.defineProperty(schema, "type", {
      enumerable: true,
      get: () => (reads++, type),
    });
  };
  const op = defineOperation({
    name: "test.counted",
    kind: "query",
    description: "",
    input: counted(Type.Object({ n: Type.Number() })),
    output: counted(Type.Object({ n: Type.Number() })),
    access: { scopes: [] },
    handler: ({ n }) => ({ n: n + 1 }),
  });
  const afterDefine = reads;
  assert.ok(afterDefine > 0);
  const registry = new OperationRegistry();
  registry.register(op, { kind: "supervisor", id: "s" });
  assert.equal(registry.get("test.counted")?.validators, op.validators);
  const { caller, close } = rig([op]);
  try {
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(await caller.call(op, { n: i }, { identity: admin }), { n: i + 1 });
    }
    // 50 calls, each validated four times (input and output, caller and executor side).
    assert.equal(reads, afterDefine);
    // Only describing a failure walks the schema again (TypeBox's Errors()).
    await assert.rejects(caller.call(op, { n: "x" } as never, { identity: admin }), {
      code: "bad_request",
    });
  } finally {
    await close();
  }
});
