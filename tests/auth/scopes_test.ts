import assert from "node:assert/strict";
import { HubError } from "@hub/errors";
import {
  BASE_SCOPES,
  hasScope,
  hasScopes,
  isScope,
  parseExpiry,
  parseScopes,
  type Scope,
} from "../../src/auth/mod.ts";

Deno.test("hasScope() follows admin > base > finer", async (t) => {
  const table: Array<[string[], string, boolean]> = [
    [["admin"], "llm", true],
    [["admin"], "ops:coord", true],
    [["admin"], "sessions:x:y", true],
    [["llm"], "llm", true],
    [["llm"], "ops", false],
    [["ops"], "ops:coord", true],
    [["ops"], "ops:coord:spawn", true],
    [["ops:coord"], "ops:coord:spawn", true],
    [["ops:coord"], "ops", false],
    [["ops:coord"], "ops:coordinator", false],
    [["ops:coord"], "ops:other", false],
    [["opsx"], "ops", false],
    [["events", "spoke"], "spoke:register", true],
    [[], "llm", false],
    [["llm"], "admin", false],
  ];
  for (const [granted, required, expected] of table) {
    await t.step(
      `${JSON.stringify(granted)} ${expected ? "implies" : "does not imply"} ${required}`,
      () => {
        assert.equal(hasScope(granted, required), expected);
      },
    );
  }
  await t.step("admin implies every base scope; hasScopes needs all", () => {
    for (const scope of BASE_SCOPES) assert.ok(hasScope(["admin"], scope));
    assert.ok(hasScopes(["llm", "ops"], ["llm", "ops:coord"]));
    assert.ok(!hasScopes(["llm"], ["llm", "ops"]));
  });
});

Deno.test("parseScopes() validates, trims and deduplicates", async (t) => {
  await t.step("accepts a comma list or an array", () => {
    assert.deepEqual(parseScopes(" llm, ops:coord ,llm"), ["llm", "ops:coord"]);
    assert.deepEqual(parseScopes(["events", "ops:coord.spawn"]), ["events", "ops:coord.spawn"]);
    const typed: Scope[] = parseScopes("admin");
    assert.deepEqual(typed, ["admin"]);
  });
  const bad: Array<[string | unknown[], RegExp]> = [
    ["x", /^Invalid scope "x": expected one of admin, llm, ops, events, spoke, sessions/],
    ["llm,", /^Invalid scope "":/],
    ["LLM", /^Invalid scope "LLM"/],
    ["ops:", /^Invalid scope "ops:"/],
    ["ops:Coord", /^Invalid scope "ops:Coord"/],
    ["ops::x", /^Invalid scope "ops::x"/],
    ["bogus:x", /^Invalid scope "bogus:x"/],
    [[42], /^Invalid scope 42/],
    [[], /^Invalid scopes: at least one scope is required/],
    [Array.from({ length: 33 }, (_, i) => `ops:s${i}`), /at most 32 scopes/],
  ];
  for (const [input, pattern] of bad) {
    await t.step(`refuses ${JSON.stringify(input).slice(0, 40)}`, () => {
      assert.throws(
        () => parseScopes(input),
        (error) =>
          error instanceof HubError && error.code === "bad_request" && pattern.test(error.message),
      );
    });
  }
  await t.step("isScope() is the same rule", () => {
    assert.ok(isScope("sessions:abc-1"));
    assert.ok(!isScope("sessions:" + "a".repeat(200)));
  });
});

Deno.test("parseExpiry() reads ISO dates and durations", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  assert.equal(parseExpiry("30d", now).toISOString(), "2030-01-31T00:00:00.000Z");
  assert.equal(parseExpiry("12h", now).toISOString(), "2030-01-01T12:00:00.000Z");
  assert.equal(parseExpiry("90m", now).toISOString(), "2030-01-01T01:30:00.000Z");
  assert.equal(parseExpiry("2w", now).toISOString(), "2030-01-15T00:00:00.000Z");
  assert.equal(parseExpiry("2031-02-03", now).toISOString(), "2031-02-03T00:00:00.000Z");
  assert.equal(
    parseExpiry("2031-02-03T04:05:06+02:00", now).toISOString(),
    "2031-02-03T02:05:06.000Z",
  );
  for (
    const bad of ["", "0d", "30", "30y", "tomorrow", "March 7", "2031-13-45", "2031-02-30", "-1d"]
  ) {
    assert.throws(
      () => parseExpiry(bad, now),
      (error) =>
        error instanceof HubError && error.code === "bad_request" &&
        error.message.startsWith(`Invalid expiry "${bad}"`),
      bad,
    );
  }
});
