/**
 * Who is calling and what they may call. Scopes are hierarchical: `admin`
 * implies every scope, and a scope implies the finer ones under it (`ops`
 * implies `ops:coord` and `ops:coord:spawn`, never the other way round).
 *
 * @module
 */
import { HubError } from "@hub/errors";

/** How a call entered the hub (or that the hub itself made it); other strings are allowed. */
export type IdentityVia = "http" | "mcp" | "ws" | "actor" | "internal";

/** The caller of an operation; travels with every `call.requested`. */
export interface Identity {
  /** The API key id, when a key authenticated the call. */
  readonly keyId?: string;
  readonly scopes: readonly string[];
  /** An {@linkcode IdentityVia}, or a transport name of a spoke's own. */
  readonly via: string;
}

/** The access rule of an operation: every listed scope is required (none: any caller). */
export interface AccessRule {
  readonly scopes: readonly string[];
}

/** True when one of the `granted` scopes implies `required`. */
export function hasScope(granted: readonly string[], required: string): boolean {
  for (const scope of granted) {
    if (scope === "admin" || scope === required || required.startsWith(`${scope}:`)) return true;
  }
  return false;
}

/** The scopes of `access` that `identity` lacks, in rule order. */
export function missingScopes(identity: Identity, access: AccessRule): string[] {
  return access.scopes.filter((scope) => !hasScope(identity.scopes, scope));
}

/** True when `identity` may call an operation guarded by `access`. */
export function hasAccess(identity: Identity, access: AccessRule): boolean {
  return access.scopes.every((scope) => hasScope(identity.scopes, scope));
}

/** Options of {@linkcode checkAccess}. */
export interface CheckAccessOptions {
  /** Named in the error message. */
  operation?: string;
}

/** Throws HubError `forbidden` naming the first missing scope (all of them in `details`). */
export function checkAccess(
  identity: Identity,
  access: AccessRule,
  options: CheckAccessOptions = {},
): void {
  const missing = missingScopes(identity, access);
  if (missing.length === 0) return;
  const what = options.operation === undefined ? "operation" : `operation "${options.operation}"`;
  throw new HubError("forbidden", `Cannot call ${what}: missing scope "${missing[0]}"`, {
    details: { missingScopes: missing },
  });
}
