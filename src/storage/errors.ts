/**
 * Classifies database errors by SQLSTATE, the same on PGlite and PostgreSQL.
 * drizzle wraps driver errors (`DrizzleQueryError`, whose message carries the
 * query parameters: never show it to a client), so the cause chain is walked.
 *
 * @module
 */

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
