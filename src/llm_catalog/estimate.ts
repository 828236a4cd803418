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

/** Input estimate plus the output the request allows (or the default). */
export function estimateRequestTokens(bodyChars: number, body: Record<string, unknown>): number {
  const max = body.max_completion_tokens ?? body.max_tokens;
  const output = typeof max === "number" && max > 0 ? Math.ceil(max) : DEFAULT_OUTPUT_ESTIMATE;
  return estimateInputTokens(bodyChars) + output;
}
