import assert from "node:assert/strict";
import { checkAccess, hasAccess, hasScope, missingScopes } from "@alkdev/operations";
import { HubError } from "@hub/errors";

Deno.test("hasScope() follows the scope hierarchy", () => {
  const table: [granted: string[], required: string, expected: boolean][] = [
    [["admin"], "ops", true],
    [["admin"], "ops:coord:spawn", true],
    [["ops"], "ops", true],
    [["ops"], "ops:coord", true],
    [["ops"], "ops:coord:spawn", true],
    [["ops:coord"], "ops:coord:spawn", true],
    [["ops:coord"], "ops", false],
    [["ops:coord"], "ops:other", false],
    [["ops:coord"], "ops:coordinator", false],
    [["op"], "ops", false],
    [["op"], "ops:coord", false],
    [["llm", "sessions"], "ops", false],
    [[], "ops", false],
    [["administrator"], "ops", false],
  ];
  for (const [granted, required, expected] of table) {
    assert.equal(hasScope(granted, required), expected, `${granted} → ${required}`);
  }
});

Deno.test("hasAccess() needs every scope of the rule; an empty rule admits anyone", () => {
  const identity = { scopes: ["ops:coord", "llm"], via: "http" };
  assert.equal(hasAccess(identity, { scopes: [] }), true);
  assert.equal(hasAccess(identity, { scopes: ["ops:coord:spawn", "llm"] }), true);
  assert.equal(hasAccess(identity, { scopes: ["ops:coord", "sessions"] }), false);
  assert.deepEqual(missingScopes(identity, { scopes: ["sessions", "llm", "events"] }), [
    "sessions",
    "events",
  ]);
});

Deno.test("checkAccess() throws forbidden naming the missing scope", () => {
  const identity = { keyId: "k1", scopes: ["llm"], via: "mcp" };
  assert.doesNotThrow(() => checkAccess(identity, { scopes: ["llm:chat"] }));
  assert.throws(
    () => checkAccess(identity, { scopes: ["ops:coord", "events"] }, { operation: "coord.spawn" }),
    (error: unknown) => {
      assert.ok(error instanceof HubError);
      assert.equal(error.code, "forbidden");
      assert.equal(error.message, 'Cannot call operation "coord.spawn": missing scope "ops:coord"');
      assert.deepEqual(error.details, { missingScopes: ["ops:coord", "events"] });
      return true;
    },
  );
  assert.throws(() => checkAccess(identity, { scopes: ["ops"] }), {
    message: 'Cannot call operation: missing scope "ops"',
  });
});
