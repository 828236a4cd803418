/**
 * Token estimates for limits taken before the upstream answers: tpm reserves
 * the estimate up front and settles with the usage the upstream reports.
 *
 * @module
 */

/** Output tokens reserved when the request sets no `max_tokens`/`max_completion_tokens`. */
export const DEFAULT_OUTPUT_ESTIMATE = 256;

/** Roughly 4 bytes of JSON per token: a cheap upper-side guess that needs no tokenizer. */
export function estimateInputTokens(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 4);
}

/** Input estimate plus the output the request allows (or the default). */
export function estimateRequestTokens(bodyBytes: number, body: Record<string, unknown>): number {
  const max = body.max_completion_tokens ?? body.max_tokens;
  const output = typeof max === "number" && max > 0 ? Math.ceil(max) : DEFAULT_OUTPUT_ESTIMATE;
  return estimateInputTokens(bodyBytes) + output;
}
