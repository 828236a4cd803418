/**
 * One-line descriptions of database targets and driver errors, safe to log:
 * they never contain a password.
 *
 * @module
 */
import { DrizzleQueryError } from "drizzle-orm/errors";

/**
 * The message of `error`, with `secret` (a password) masked. Node's
 * `AggregateError` from a failed dual-stack connect has an empty message, so
 * the inner errors are used instead.
 */
export function describeCause(error: unknown, secret?: string): string {
  let text: string;
  if (error instanceof DrizzleQueryError && error.cause) {
    // Its own message is the SQL text and its parameters; the cause says what went wrong.
    text = describeCause(error.cause);
  } else if (error instanceof AggregateError && !error.message) {
    text = error.errors.map((inner) => describeCause(inner)).join("; ");
  } else if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = error.message || (typeof code === "string" ? code : error.name);
  } else {
    text = String(error);
  }
  return secret ? text.replaceAll(secret, "***") : text;
}

/** `host:port/db` of a database URL, without user or password: safe to log and to show. */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<unparseable URL>";
  }
  // libpq allows the host (e.g. a unix socket dir) as a query parameter instead.
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  const port = parsed.port || "5432";
  const db = decodeURIComponent(parsed.pathname.replace(/^\//, "")) ||
    decodeURIComponent(parsed.username) || "postgres";
  return `${host}:${port}/${db}`;
}
