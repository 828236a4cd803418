/**
 * Re-encrypting values under the key ring's current version, so that older
 * versions can be removed from the master key file.
 */
import { fileMode, replaceFile } from "./_atomic_write.ts";
import { ConfigError } from "./config_error.ts";
import { decryptSecret, encryptSecret, isEncryptedValue } from "./crypto.ts";
import type { KeyRing } from "./key_ring.ts";

/** The key version an encrypted value names, or `undefined` for a malformed one. */
export function encryptedVersion(value: string): number | undefined {
  const version = value.split(":")[2];
  return /^[1-9]\d*$/.test(version ?? "") ? Number(version) : undefined;
}

/**
 * The value encrypted under the current version, or `undefined` when it is
 * already; throws a DecryptError when it cannot be decrypted.
 */
export async function reencryptSecret(
  value: string,
  keyRing: KeyRing,
): Promise<string | undefined> {
  if (encryptedVersion(value) === keyRing.current) return undefined;
  return await encryptSecret(await decryptSecret(value, keyRing), keyRing);
}

/**
 * Re-encrypts every `enc:` value of a JSON config file under the current
 * version, changing nothing else in the text (layout, order, other values),
 * and replaces the file atomically. Resolves to the number of values changed.
 */
export async function reencryptConfigFile(path: string, keyRing: KeyRing): Promise<number> {
  const text = await Deno.readTextFile(path);
  let changed = 0;
  let next = text;
  for (const value of new Set(encryptedStrings(JSON.parse(text)))) {
    const fresh = await reencryptSecret(value, keyRing);
    if (fresh === undefined) continue;
    // Encrypted values are base64url and colons: no JSON escape can hide one.
    const literal = JSON.stringify(value);
    if (!next.includes(literal)) {
      throw new ConfigError(`Cannot re-encrypt config "${path}": a value is written with escapes`, [
        { path: "", message: "an encrypted value is written with JSON escapes" },
      ]);
    }
    changed += next.split(literal).length - 1;
    next = next.replaceAll(literal, JSON.stringify(fresh));
  }
  if (changed === 0) return 0;
  // Checked before the file is replaced: every value reads back under the current version.
  for (const value of encryptedStrings(JSON.parse(next))) {
    if (encryptedVersion(value) !== keyRing.current) {
      throw new ConfigError(`Cannot re-encrypt config "${path}": a value kept its old version`, [
        { path: "", message: "a value kept its old version" },
      ]);
    }
    await decryptSecret(value, keyRing);
  }
  await replaceFile(path, next, await fileMode(path));
  return changed;
}

function encryptedStrings(value: unknown): string[] {
  if (isEncryptedValue(value)) return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(encryptedStrings);
}
