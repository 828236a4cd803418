/**
 * Encrypted values: `enc:v1:<keyVersion>:<salt>:<iv>:<ciphertext+tag>` (all
 * base64url), AES-256-GCM under a key derived from one master secret of the
 * key ring with PBKDF2-SHA256. WebCrypto only.
 */
import { HubError } from "@hub/errors";
import { fromBase64Url, toBase64Url } from "./_base64url.ts";
import type { KeyRing } from "./key_ring.ts";

/** Every encrypted value starts with this; any other `enc:` value is an error, not plain text. */
export const ENCRYPTED_PREFIX = "enc:";

/**
 * PBKDF2-SHA256 iterations, fixed by format `v1` (the value does not carry it).
 * 600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256: a generated master
 * secret (256 random bits) needs no stretching, but an operator may type a
 * passphrase instead, and this is what makes guessing one expensive. Measured
 * at ~75-80 ms per derivation on an idle 2-core build machine (~100-180 ms
 * under load); derived keys are cached per (key ring, version, salt), so each
 * distinct salt costs that once per process, and a cached decrypt ~0.1 ms.
 */
export const PBKDF2_ITERATIONS = 600_000;

const FORMAT = "v1";
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A key ring is read once per process; this only bounds a database full of
// values written by many processes (each with its own salt).
const MAX_CACHED_KEYS = 256;

/** Why a value could not be decrypted. */
export type DecryptFailure =
  | "malformed"
  | "unsupported_format"
  | "unknown_key_version"
  | "authentication_failed";

/**
 * A value that cannot be decrypted. Code `internal`: the value is data the hub
 * holds; the config loader turns it into a ConfigError naming the field.
 */
export class DecryptError extends HubError {
  /** The reason as a predicate (`fails authentication: ...`), to follow a field name. */
  readonly reason: string;
  readonly failure: DecryptFailure;

  constructor(failure: DecryptFailure, reason: string) {
    super("internal", `Cannot decrypt secret: value ${reason}`, { details: { failure } });
    this.failure = failure;
    this.reason = reason;
  }
}

/** True when `value` is a string in the encrypted form (any `enc:` version). */
export function isEncryptedValue(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(ENCRYPTED_PREFIX);
}

/** Encrypts bytes under the key ring's current version. */
export async function encryptBytes(plaintext: Uint8Array, keyRing: KeyRing): Promise<string> {
  const version = keyRing.current;
  const salt = encryptionSalt(keyRing);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const header = `${ENCRYPTED_PREFIX}${FORMAT}:${version}:${toBase64Url(salt)}`;
  const key = await deriveKey(keyRing, version, salt);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(header) },
    key,
    plaintext as Uint8Array<ArrayBuffer>,
  );
  return `${header}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(ciphertext))}`;
}

/** Decrypts a value under the key version it names. */
export async function decryptBytes(value: string, keyRing: KeyRing): Promise<Uint8Array> {
  const parts = value.split(":");
  if (parts[0] !== "enc") throw malformed();
  if (parts[1] !== FORMAT) {
    const name = /^v\d+$/.test(parts[1] ?? "") ? `format ${parts[1]}` : "an unknown format";
    throw new DecryptError("unsupported_format", `uses ${name}; this hub reads ${FORMAT}`);
  }
  if (parts.length !== 6 || !/^[1-9]\d*$/.test(parts[2])) throw malformed();
  const version = Number(parts[2]);
  const salt = fromBase64Url(parts[3]);
  const iv = fromBase64Url(parts[4]);
  const ciphertext = fromBase64Url(parts[5]);
  if (salt?.length !== SALT_BYTES || iv?.length !== IV_BYTES) throw malformed();
  if (ciphertext === undefined || ciphertext.length < TAG_BYTES) throw malformed();
  if (keyRing.secret(version) === undefined) {
    throw new DecryptError(
      "unknown_key_version",
      `was encrypted under key version ${version}, which the master key file does not hold ` +
        `(it holds ${keyRing.versions.join(", ")})`,
    );
  }
  const key = await deriveKey(keyRing, version, salt);
  const header = parts.slice(0, 4).join(":");
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(header) },
      key,
      ciphertext,
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new DecryptError(
      "authentication_failed",
      "fails authentication: it was altered or encrypted under a different master key",
    );
  }
}

/** Encrypts a UTF-8 string under the key ring's current version. */
export function encryptSecret(plaintext: string, keyRing: KeyRing): Promise<string> {
  return encryptBytes(new TextEncoder().encode(plaintext), keyRing);
}

/** Decrypts a value produced by {@linkcode encryptSecret}. */
export async function decryptSecret(value: string, keyRing: KeyRing): Promise<string> {
  const bytes = await decryptBytes(value, keyRing);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DecryptError("malformed", "does not decrypt to UTF-8 text");
  }
}

function malformed(): DecryptError {
  return new DecryptError(
    "malformed",
    `is not a valid encrypted value (expected enc:${FORMAT}:<keyVersion>:<salt>:<iv>:<ciphertext>)`,
  );
}

const keyCache = new WeakMap<KeyRing, Map<string, Promise<CryptoKey>>>();
const saltCache = new WeakMap<KeyRing, Uint8Array<ArrayBuffer>>();

// One random salt per key ring per process: every value this process
// encrypts then shares one derived key, so writing many values (upstream keys
// in the database) pays PBKDF2 once. The random IV keeps each value unique.
function encryptionSalt(keyRing: KeyRing): Uint8Array<ArrayBuffer> {
  let salt = saltCache.get(keyRing);
  if (!salt) {
    salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    saltCache.set(keyRing, salt);
  }
  return salt;
}

function deriveKey(keyRing: KeyRing, version: number, salt: Uint8Array): Promise<CryptoKey> {
  let cache = keyCache.get(keyRing);
  if (!cache) keyCache.set(keyRing, cache = new Map());
  const id = `${version}:${toBase64Url(salt)}`;
  let key = cache.get(id);
  if (!key) {
    if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
    key = derive(keyRing.secret(version)!, salt);
    cache.set(id, key);
    // A failed derivation must not stay cached as a rejected promise.
    key.catch(() => cache.delete(id));
  }
  return key;
}

async function derive(secret: Uint8Array, salt: Uint8Array): Promise<CryptoKey> {
  const password = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: salt as Uint8Array<ArrayBuffer>,
      iterations: PBKDF2_ITERATIONS,
    },
    password,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}
