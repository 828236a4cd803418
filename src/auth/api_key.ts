import { createHash, timingSafeEqual } from "node:crypto";

/** Every hub API key starts with this, so leaked keys are recognisable (and redactable). */
export const API_KEY_PREFIX = "alk_";

const PUBLIC_ID_BYTES = 6;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^alk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly generated key: the full key (shown once), its public prefix and its hash. */
export interface GeneratedApiKey {
  /** `alk_<public id>_<secret>`: shown once, never stored. */
  readonly key: string;
  /** `alk_<public id>`: stored, listed, used to find the row. */
  readonly prefix: string;
  /** SHA-256 hex of the full key: the only form of the secret that is stored. */
  readonly hash: string;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Generates a high-entropy key (256-bit secret) with a public id for lookups. */
export async function generateApiKey(): Promise<GeneratedApiKey> {
  const publicId = hex(crypto.getRandomValues(new Uint8Array(PUBLIC_ID_BYTES)));
  const secret = base64Url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
  const key = `${API_KEY_PREFIX}${publicId}_${secret}`;
  return { key, prefix: `${API_KEY_PREFIX}${publicId}`, hash: await hashApiKey(key) };
}

/** SHA-256 hex of a key. Keys are 256-bit random, so a fast hash is enough (no password KDF). */
export function hashApiKey(key: string): Promise<string> {
  // node:crypto hashes synchronously: every request verifies a key, and
  // crypto.subtle's thread-pool hop cost ~70 µs of latency for a 60-byte input.
  return Promise.resolve(createHash("sha256").update(key).digest("hex"));
}

/** The public prefix of a well-formed key, or undefined for anything else. */
export function apiKeyPrefix(key: string): string | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? `${API_KEY_PREFIX}${match[1]}` : undefined;
}

/** Compares two hex hashes in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
