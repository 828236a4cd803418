import assert from "node:assert/strict";
import Type from "typebox";
import { OperationRegistry, type OperationSpec, type RegistryChange } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { echo, nobody, opsUser, refuses } from "./_fixtures.ts";

const actor = { kind: "actor", id: "coord-1" } as const;
const spoke = { kind: "spoke", id: "spoke-a" } as const;

const spokeSpec: OperationSpec = {
  name: "fs.read_file",
  kind: "query",
  description: "Reads a file in the spoke's workspace",
  input: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  output: { type: "string" },
  access: { scopes: ["spoke:fs"] },
};

Deno.test("OperationRegistry", async (t) => {
  await t.step("register() refuses a name taken at another location with conflict", () => {
    const registry = new OperationRegistry();
    registry.register(echo, actor);
    assert.throws(() => registry.register(echo, spoke), (error: unknown) => {
      assert.ok(error instanceof HubError);
      assert.equal(error.code, "conflict");
      assert.equal(
        error.message,
        'Cannot register operation "test.echo": already registered at actor "coord-1"',
      );
      return true;
    });
    assert.equal(registry.get("test.echo")?.location.id, "coord-1");
  });

  await t.step("register() at the same location replaces the entry", () => {
    const registry = new OperationRegistry();
    const changes: RegistryChange[][] = [];
    registry.onChange((batch) => changes.push([...batch]));
    registry.register(echo, actor);
    registry.register(echo, { ...actor });
    assert.deepEqual(changes.map((batch) => batch.map((c) => c.type)), [["added"], ["replaced"]]);
  });

  await t.step("register() takes a spec from the wire and compiles its schemas", () => {
    const registry = new OperationRegistry();
    registry.register(spokeSpec, spoke);
    const entry = registry.get("fs.read_file")!;
    assert.deepEqual(entry.spec, spokeSpec);
    assert.equal(entry.validators.input.Check({ path: "/a" }), true);
    assert.equal(entry.validators.input.Check({}), false);
  });

  await t.step("register() refuses a malformed spec with bad_request", () => {
    const registry = new OperationRegistry();
    assert.throws(() => registry.register({ ...spokeSpec, name: "Bad Name" }, spoke), {
      code: "bad_request",
      message: /^Invalid operation spec: \/name/,
    });
    assert.throws(
      () => registry.register({ ...spokeSpec, kind: "stream" } as unknown as OperationSpec, spoke),
      { code: "bad_request" },
    );
    assert.throws(
      () => registry.register({ ...spokeSpec, input: { type: "nonsense" } }, spoke),
      { code: "bad_request" },
    );
    assert.throws(() => registry.register(echo, { kind: "moon", id: "x" } as never), TypeError);
    assert.equal(registry.list().length, 0);
  });

  await t.step("list() shows an identity only what it may call", () => {
    const registry = new OperationRegistry();
    registry.register(echo, actor); // ops:test
    registry.register(refuses, actor); // no scopes
    registry.register(spokeSpec, spoke); // spoke:fs
    assert.deepEqual(registry.list().map((e) => e.spec.name), [
      "fs.read_file",
      "test.echo",
      "test.refuses",
    ]);
    assert.deepEqual(registry.list(opsUser).map((e) => e.spec.name), ["test.echo", "test.refuses"]);
    assert.deepEqual(registry.list(nobody).map((e) => e.spec.name), ["test.refuses"]);
    const json = registry.toJsonSchema(opsUser);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
    assert.deepEqual(json[0].input, JSON.parse(JSON.stringify(echo.input)));
  });

  await t.step("unregister() by name or by location; onChange gets one batch per call", () => {
    const registry = new OperationRegistry();
    const batches: RegistryChange[][] = [];
    const stop = registry.onChange((batch) => batches.push([...batch]));
    registry.register(echo, actor);
    registry.register(refuses, actor);
    registry.register(spokeSpec, spoke);
    assert.equal(registry.unregister("fs.read_file"), 1);
    assert.equal(registry.unregister(actor), 2);
    assert.equal(registry.unregister(actor), 0);
    assert.deepEqual(batches.slice(3), [
      [{ type: "removed", name: "fs.read_file", location: spoke }],
      [
        { type: "removed", name: "test.echo", location: actor },
        { type: "removed", name: "test.refuses", location: actor },
      ],
    ]);
    stop();
    registry.register(echo, actor);
    assert.equal(batches.length, 5);
  });

  await t.step("a throwing listener is logged and stops neither registration nor others", () => {
    const logged: unknown[] = [];
    const log = {
      debug() {},
      info() {},
      warn() {},
      error: (_message: string, properties?: Record<string, unknown>) =>
        void logged.push(properties?.error),
    };
    const registry = new OperationRegistry({ log });
    const seen: string[] = [];
    registry.onChange(() => {
      throw new Error("listener bug");
    });
    registry.onChange((batch) => seen.push(batch[0].name));
    registry.register(
      { ...spokeSpec, name: "x.y", input: Type.Object({}), output: Type.Null() },
      spoke,
    );
    assert.deepEqual(seen, ["x.y"]);
    assert.equal((logged[0] as Error).message, "listener bug");
    assert.equal(registry.get("x.y")?.location.id, "spoke-a");
  });
});
