/**
 * Key expiry as people type it: an ISO 8601 date or date-time, or a duration
 * from now (`90m`, `12h`, `30d`, `2w`).
 *
 * @module
 */
import { HubError } from "@hub/errors";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,6})([mhdw])$/;
// Date.parse accepts many non-ISO forms ("1", "March 7"); only ISO is unambiguous.
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses `--expires` into a point in time. A date without a time means
 * midnight UTC of that day. Throws HubError `bad_request`; does not check
 * that the result is in the future (key creation does).
 */
export function parseExpiry(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) {
    const amount = Number(duration[1]);
    if (amount === 0) throw invalid(text, "a duration must be positive");
    return new Date(now.getTime() + amount * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  }
  if (ISO_DATE.test(value) && isCalendarDate(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw invalid(
    text,
    "expected an ISO 8601 date (2030-01-31, 2030-01-31T12:00:00Z) or 30d, 12h, 90m, 2w",
  );
}

/** Date() rolls 2031-02-30 over to March 2; a typo must not silently move the expiry. */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 &&
    month <= 12;
}

function invalid(text: string, reason: string): HubError {
  return new HubError("bad_request", `Invalid expiry "${text}": ${reason}`);
}
