/**
 * Token estimates for limits taken before the upstream answers: tpm reserves
 * the estimate up front and settles with the usage the upstream reports.
 *
 * @module
 */

/** Output tokens reserved when the request sets no `max_tokens`/`max_completion_tokens`. */
export const DEFAULT_OUTPUT_ESTIMATE = 256;

/**
 * Roughly 4 characters of JSON per token (`bodyChars` is the body string's
 * length, UTF-16 code units): a cheap guess that needs no tokenizer.
 */
export function estimateInputTokens(bodyChars: number): number {
  return Math.ceil(bodyChars / 4);
}

/** The most choices OpenAI lets one request ask for (`n`). */
const MAX_CHOICES = 128;

/**
 * Input estimate plus the output the request allows (or the default) for
 * each of its `n` choices: every choice is generated up to `max_tokens`.
 */
export function estimateRequestTokens(bodyChars: number, body: Record<string, unknown>): number {
  const max = body.max_completion_tokens ?? body.max_tokens;
  const output = typeof max === "number" && max > 0 ? Math.ceil(max) : DEFAULT_OUTPUT_ESTIMATE;
  return estimateInputTokens(bodyChars) + output * choices(body.n);
}

/** `n` as the upstream takes it: a positive integer (at most 128), else one choice. */
function choices(n: unknown): number {
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? Math.min(n, MAX_CHOICES) : 1;
}
