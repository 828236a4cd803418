/**
 * Validation of what a caller asks a new API key to be. Every entry point
 * (HTTP, CLI, bootstrap) goes through it, so the rules live in one place.
 *
 * @module
 */
import { HubError } from "@hub/errors";
import type { ApiKeyLimits } from "../storage/mod.ts";
import { parseScopes, type Scope } from "./scopes.ts";

/** What a caller asks for; `scopes` may be a list or `"a,b"`. */
export interface CreateApiKeyInput {
  name: string;
  scopes: readonly string[] | string;
  /** A future point in time (a Date or an ISO string); absent or null: never expires. */
  expiresAt?: Date | string | null;
  accountId?: string | null;
  organizationId?: string | null;
  limits?: ApiKeyLimits;
  metadata?: Record<string, unknown>;
}

/** A validated, normalised {@linkcode CreateApiKeyInput}. */
export interface ValidKeyInput {
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
  accountId: string | null;
  organizationId: string | null;
  limits: ApiKeyLimits;
  metadata: Record<string, unknown>;
}

/** Longest key name, in characters. */
export const MAX_NAME_LENGTH = 100;
/** Largest metadata object, as JSON bytes; metadata is for labels, not payloads. */
export const MAX_METADATA_BYTES = 8 * 1024;
// 10000-01-01T00:00:00Z: the first instant an ISO string needs a signed year for.
const FIRST_UNSTORABLE_TIME = Date.UTC(10000, 0, 1);
const LIMIT_NAMES = ["rpm", "tpm", "maxParallel"] as const;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Validates and normalises `input`; throws HubError `bad_request` naming the problem. */
export function validateKeyInput(input: CreateApiKeyInput, now: Date): ValidKeyInput {
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) throw bad("Cannot create API key: name is empty");
  if (name.length > MAX_NAME_LENGTH || CONTROL.test(name)) {
    throw bad(
      `Cannot create API key "${
        name.slice(0, 40)
      }": name must be 1-${MAX_NAME_LENGTH} printable characters`,
    );
  }
  const fail = (reason: string) => bad(`Cannot create API key "${name}": ${reason}`);
  if (typeof input.scopes !== "string" && !Array.isArray(input.scopes)) {
    throw fail("scopes must be a list");
  }
  const scopes = parseScopes(input.scopes);
  return {
    name,
    scopes,
    expiresAt: validExpiry(input.expiresAt, now, fail),
    accountId: validId(input.accountId, "accountId", fail),
    organizationId: validId(input.organizationId, "organizationId", fail),
    limits: validLimits(input.limits, fail),
    metadata: validMetadata(input.metadata, fail),
  };
}

type Fail = (reason: string) => HubError;

function validExpiry(value: CreateApiKeyInput["expiresAt"], now: Date, fail: Fail): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw fail("expiresAt is not a valid date");
  // JavaScript dates reach year 275760; drizzle writes them as ISO strings,
  // and PostgreSQL cannot parse an expanded "+275760-…" year.
  if (date.getTime() >= FIRST_UNSTORABLE_TIME) throw fail("expiresAt must be before year 10000");
  if (date.getTime() <= now.getTime()) {
    throw fail(`expiry ${date.toISOString()} is not in the future`);
  }
  return date;
}

function validId(value: unknown, field: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !value || value.length > 128) {
    throw fail(`${field} must be a non-empty id`);
  }
  return value;
}

function validLimits(value: unknown, fail: Fail): ApiKeyLimits {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw fail("limits must be an object");
  const limits: ApiKeyLimits = {};
  for (const [field, limit] of Object.entries(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(field)) {
      throw fail(`unknown limit "${field}" (expected ${LIMIT_NAMES.join(", ")})`);
    }
    if (limit === undefined) continue;
    if (!Number.isSafeInteger(limit) || (limit as number) <= 0) {
      throw fail(`limit ${field} must be a positive integer, got ${JSON.stringify(limit)}`);
    }
    limits[field as keyof ApiKeyLimits] = limit as number;
  }
  return limits;
}

function validMetadata(value: unknown, fail: Fail): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw fail("metadata must be an object");
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw fail("metadata must be plain JSON");
  }
  if (new TextEncoder().encode(json).length > MAX_METADATA_BYTES) {
    throw fail(`metadata exceeds ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  // After the size check: 8 KiB of JSON bounds how deep this recursion goes.
  const text = unstorableText(value);
  if (text) throw fail(`metadata text ${JSON.stringify(text.sample)} contains ${text.problem}`);
  return value;
}

// PostgreSQL's jsonb refuses both: NUL has no place in its text type, and a
// lone surrogate is not Unicode. Keys count as much as values.
function unstorableText(value: unknown): { sample: string; problem: string } | undefined {
  const check = (text: string) => {
    const sample = text.slice(0, 40);
    if (text.includes("\u0000")) return { sample, problem: "a NUL character" };
    if (!text.isWellFormed()) return { sample, problem: "a lone surrogate" };
    return undefined;
  };
  if (typeof value === "string") return check(value);
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = (Array.isArray(value) ? undefined : check(key)) ??
      unstorableText(item);
    if (found) return found;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bad(message: string): HubError {
  return new HubError("bad_request", message);
}
