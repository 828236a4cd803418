import assert from "node:assert/strict";
import {
  DEFAULT_OUTPUT_ESTIMATE,
  estimateInputTokens,
  estimateRequestTokens,
} from "../../src/llm_catalog/mod.ts";

Deno.test("estimateRequestTokens() reserves the output of every choice `n` asks for", () => {
  const body = { model: "m", messages: [], max_tokens: 100, n: 4 };
  const chars = JSON.stringify(body).length;
  assert.equal(estimateRequestTokens(chars, body), estimateInputTokens(chars) + 400);
  // Without max_tokens: the default per choice.
  const open = { model: "m", messages: [], n: 3 };
  assert.equal(estimateRequestTokens(10, open), 3 + 3 * DEFAULT_OUTPUT_ESTIMATE);
});

Deno.test("estimateRequestTokens() takes one choice when `n` is absent or not a positive integer", () => {
  for (const n of [undefined, 0, -2, 1.5, "4", null, 1e9]) {
    const body = { max_completion_tokens: 10, n } as Record<string, unknown>;
    const expected = n === 1e9 ? 10 * 128 : 10;
    assert.equal(estimateRequestTokens(4, body), 1 + expected, `n = ${n}`);
  }
});
