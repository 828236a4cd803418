/**
 * Classifies database errors by SQLSTATE, the same on PGlite and PostgreSQL.
 * drizzle wraps driver errors (`DrizzleQueryError`, whose message carries the
 * query parameters: never show it to a client), so the cause chain is walked.
 *
 * @module
 */
import { HubError } from "@hub/errors";

/** SQLSTATE codes the hub reacts to. */
export const SQLSTATE = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  notNullViolation: "23502",
} as const;

/** The five-character SQLSTATE of a database error (or of its causes), if any. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    // No SQLSTATE class starts with "E"; Node's errno codes (EPIPE, EPERM) do.
    if (typeof code === "string" && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `error` is a unique-constraint violation (a duplicate). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === SQLSTATE.uniqueViolation;
}

/** True when `error` is a foreign-key violation (missing or still-referenced row). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlStateOf(error) === SQLSTATE.foreignKeyViolation;
}

// Socket errors of a server that is down or unreachable.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// SQLSTATEs of a server that cannot serve now: connection exceptions (class
// 08), too many connections, shutting down or starting, statement timeout.
const UNAVAILABLE_STATES = /^(08...|53300|57P0[1-3]|57014)$/;
// What pg and pg-pool throw without a code: their own timeouts and a socket
// that closed under a query.
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Connection timeout/i;

/** True when `error` (or a cause) means the database could not be reached or did not answer in time. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) {
      return true;
    }
    if (typeof message === "string" && UNAVAILABLE_MESSAGES.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The HubError `unavailable` of a database outage, or `undefined` when
 * `error` is something else. Its message names what failed, never the query
 * (drizzle's message carries the parameters).
 */
export function databaseUnavailable(error: unknown, doing: string): HubError | undefined {
  if (error instanceof HubError) return error.code === "unavailable" ? error : undefined;
  if (!isDatabaseUnavailable(error)) return undefined;
  return new HubError("unavailable", `Cannot ${doing}: the database is not answering`, {
    cause: error,
  });
}
