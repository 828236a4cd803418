/**
 * API key scopes: six base scopes, and finer ones of the form
 * `<base>:<detail>` (`ops:coord`, `ops:coord:spawn`) that operations may
 * demand. `admin` implies every scope; a scope implies the finer ones under it.
 *
 * @module
 */
import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";

/** The base scopes, each guarding one surface of the hub. */
export const BASE_SCOPES = ["admin", "llm", "ops", "events", "spoke", "sessions"] as const;

/** A base scope. */
export type BaseScope = typeof BASE_SCOPES[number];

/** A base scope or a finer one under it (`ops:coord`). */
export type Scope = BaseScope | `${BaseScope}:${string}`;

/** What each base scope lets a key do, for help texts and docs. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<BaseScope, string>> = {
  admin: "everything, including managing keys (implies every other scope)",
  llm: "the OpenAI-compatible LLM API (/v1/*)",
  ops: "listing and calling operations",
  events: "subscribing to the event stream",
  spoke: "connecting as a spoke and registering operations",
  sessions: "creating and driving agent sessions",
};

/** Most scopes one key may carry; more is a mistake, not a use case. */
export const MAX_SCOPES = 32;

// Details are lowercase words joined by `:`; dots and dashes allow operation names (`ops:coord.spawn`).
const SCOPE_PATTERN = /^([a-z]+)((?::[a-z0-9][a-z0-9_.-]{0,62})*)$/;
const MAX_SCOPE_LENGTH = 128;

/** True when `value` is a well-formed scope. */
export function isScope(value: unknown): value is Scope {
  if (typeof value !== "string" || value.length > MAX_SCOPE_LENGTH) return false;
  const match = SCOPE_PATTERN.exec(value);
  return match !== null && (BASE_SCOPES as readonly string[]).includes(match[1]);
}

/**
 * Parses `"llm,ops:coord"` or `["llm", "ops:coord"]` into a deduplicated
 * list; throws HubError `bad_request` naming the first bad scope.
 */
export function parseScopes(input: string | readonly unknown[]): Scope[] {
  const items = typeof input === "string" ? input.split(",").map((item) => item.trim()) : input;
  const scopes: Scope[] = [];
  for (const item of items) {
    if (!isScope(item)) {
      const shown = typeof item === "string"
        ? `"${item.slice(0, MAX_SCOPE_LENGTH)}"`
        : String(item);
      throw new HubError(
        "bad_request",
        `Invalid scope ${shown}: expected one of ${BASE_SCOPES.join(", ")}, or <scope>:<detail>`,
        { details: { scope: typeof item === "string" ? item : undefined } },
      );
    }
    if (!scopes.includes(item)) scopes.push(item);
  }
  if (scopes.length === 0) {
    throw new HubError("bad_request", "Invalid scopes: at least one scope is required");
  }
  if (scopes.length > MAX_SCOPES) {
    throw new HubError("bad_request", `Invalid scopes: at most ${MAX_SCOPES} scopes per key`);
  }
  return scopes;
}

/** `admin` implies every scope; a base scope implies its finer ones (the operations library's rule). */
export { hasScope };

/** True when the `granted` scopes imply every one of `required`. */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => hasScope(granted, scope));
}
