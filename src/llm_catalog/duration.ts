/** Formats milliseconds as OpenAI's rate-limit reset headers do: `20ms`, `1s`, `1.5s`, `6m0s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  // Whole seconds from here on, rounded before splitting so 119.5 s is `2m0s`, not `1m60s`.
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${whole - minutes * 60}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${minutes - hours * 60}m${whole - minutes * 60}s`;
}
