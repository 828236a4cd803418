/**
 * The first step of a master key rotation: a new, highest version in the
 * master key file, so new values are encrypted under it while every older
 * version still decrypts what it wrote.
 */
import { toBase64Url } from "./_base64url.ts";
import { replaceFile } from "./_atomic_write.ts";
import { ConfigError } from "./config_error.ts";
import { type KeyRing, parseKeyRing } from "./key_ring.ts";
import { readKeyRing } from "./key_ring_file.ts";

const VERSIONED_LINE = /^\d+:/;

/**
 * Appends `<current + 1>:<random 32-byte secret>` to the master key file
 * (a single unversioned line becomes `1:<secret>` first), replacing the file
 * atomically with mode 0600, and returns the key ring read back from disk:
 * no value may be encrypted under a version that did not reach the file.
 */
export async function addKeyVersion(path: string): Promise<KeyRing> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw failure(path, error);
  }
  const before = parseKeyRing(text, path);
  const version = before.current + 1;
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const lines = text.split(/\r?\n/);
  const content = lines.filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  if (content.length === 1 && !VERSIONED_LINE.test(content[0].trim())) {
    lines[lines.indexOf(content[0])] = `1:${content[0].trim()}`;
  }
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.push(`${version}:${secret}`, "");
  try {
    await replaceFile(path, lines.join("\n"), 0o600);
  } catch (error) {
    throw failure(path, error);
  }
  const { keyRing } = await readKeyRing(path);
  const written = keyRing.secret(version);
  if (keyRing.current !== version || new TextDecoder().decode(written) !== secret) {
    throw failure(path, new Error(`version ${version} did not read back as written`));
  }
  return keyRing;
}

function failure(path: string, error: unknown): ConfigError {
  const reason = error instanceof Deno.errors.PermissionDenied
    ? "permission denied (a read-only secret? add the line yourself, then rotate with --no-new-key)"
    : error instanceof Error
    ? error.message
    : String(error);
  return new ConfigError(
    `Cannot add a key version to master key file "${path}": ${reason}`,
    [{ path: "", message: reason }],
    { cause: error },
  );
}
