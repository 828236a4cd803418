/** The longest delay `setTimeout` keeps (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onExpired` once `expiresAt` has passed (never, without an expiry):
 * a long-lived connection must not outlive its key. Returns the cancel.
 */
export function onKeyExpiry(expiresAt: Date | null | undefined, onExpired: () => void): () => void {
  if (expiresAt == null) return () => {};
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = expiresAt.getTime() - Date.now();
    if (left <= 0) return onExpired();
    // A key valid for months is re-armed in steps.
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    Deno.unrefTimer(timer);
  };
  arm();
  return () => clearTimeout(timer);
}
