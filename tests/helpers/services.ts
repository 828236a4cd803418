/**
 * Which external services the test run may use. The PostgreSQL and Redis
 * suites run only where their variable is set; `tests/run.ts` names the
 * skipped ones and, with `HUB_TEST_REQUIRE_SERVICES=1` (CI), refuses to skip.
 *
 * @module
 */

/** `postgres://…` of a database the tests may create databases next to. */
export const TEST_DATABASE_URL: string | undefined = Deno.env.get("HUB_TEST_DATABASE_URL") ||
  undefined;

/** `redis://…` of a Redis the tests may use freely. */
export const TEST_REDIS_URL: string | undefined = Deno.env.get("HUB_TEST_REDIS_URL") || undefined;
