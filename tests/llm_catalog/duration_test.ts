import assert from "node:assert/strict";
import { formatDuration } from "../../src/llm_catalog/mod.ts";

Deno.test("formatDuration writes OpenAI's reset durations", () => {
  assert.equal(formatDuration(20), "20ms");
  assert.equal(formatDuration(1000), "1s");
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(360_000), "6m0s");
});

Deno.test("formatDuration carries rounded seconds into the minute and the hour", () => {
  assert.equal(formatDuration(119_500), "2m0s");
  assert.equal(formatDuration(60_500), "1m1s");
  assert.equal(formatDuration(3_599_500), "1h0m0s");
  assert.equal(formatDuration(3_661_000), "1h1m1s");
});
