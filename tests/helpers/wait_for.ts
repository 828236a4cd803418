/**
 * The one polling helper of the suite, for state that has no event to await
 * (a counter in another object, an external process): it checks `predicate`
 * every `intervalMs` until it returns a value other than `undefined`, `null`
 * or `false`, and fails with `what` once `timeoutMs` has passed.
 *
 * ```ts
 * await waitFor(() => router.listenerCount("gone") === 0, { what: "the unsubscribe" });
 * ```
 *
 * @module
 */

/** Options of {@linkcode waitFor}. */
export interface WaitForOptions {
  /** How long to wait before failing; 5 s by default. */
  timeoutMs?: number;
  /** The pause between checks; 10 ms by default. */
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

/** Resolves with the first value of `predicate` that is not `undefined`, `null` or `false`. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs = 5_000, intervalMs = 10, what = "a condition" } = options;
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await predicate();
    if (value !== undefined && value !== null && value !== false) {
      return value as Exclude<T, undefined | null | false>;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
