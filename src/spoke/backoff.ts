/**
 * Reconnect delays: exponential backoff with full jitter, so spokes that lost
 * the hub together do not all come back in the same millisecond.
 *
 * @module
 */

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** First ceiling; default 250 ms. */
  initialDelayMs?: number;
  /** Largest ceiling; default 30 000 ms. */
  maxDelayMs?: number;
}

/** A random delay in [0, min(max, initial · 2^attempt)] ms; `attempt` starts at 0. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}
