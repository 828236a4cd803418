/**
 * Reading and creating the master key file. Warnings are returned rather than
 * logged: this runs before logging is configured, and the caller decides.
 */
import { dirname } from "node:path";
import { toBase64Url } from "./_base64url.ts";
import { ConfigError } from "./config_error.ts";
import { KeyRing, parseKeyRing } from "./key_ring.ts";

/** A key ring read from a file, with warnings for the operator (never containing a secret). */
export interface KeyRingFile {
  path: string;
  keyRing: KeyRing;
  warnings: string[];
}

const isWindows = Deno.build.os === "windows";

/** Reads a master key file; throws a ConfigError when it is missing, empty or malformed. */
export async function readKeyRing(path: string): Promise<KeyRingFile> {
  let text: string;
  let mode: number | null;
  try {
    text = await Deno.readTextFile(path);
    mode = (await Deno.stat(path)).mode;
  } catch (error) {
    throw fileError(path, error);
  }
  const keyRing = parseKeyRing(text, path);
  const warnings: string[] = [];
  // Group or other bits (or owner execute) mean someone besides the hub's
  // user may read every secret it protects. Mode is null on Windows.
  if (!isWindows && mode !== null && (mode & 0o177) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, "0");
    warnings.push(
      `Master key file "${path}" has mode ${octal}, wider than 0600; restrict it with chmod 600`,
    );
  }
  return { path, keyRing, warnings };
}

/**
 * Creates a master key file holding a fresh random 32-byte secret as version 1,
 * readable by its owner only (0600). Refuses to overwrite an existing file:
 * losing the old key would make every value encrypted under it unreadable.
 */
export async function createKeyRingFile(path: string): Promise<KeyRing> {
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const text =
    "# hub master key file: <version>:<secret> per line; the highest version is current.\n" +
    "# Back it up: values encrypted under a lost key cannot be recovered.\n" +
    `1:${secret}\n`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fileError(path, error, "create");
  }
  let file: Deno.FsFile;
  try {
    // `mode` applies at creation, so the secret is never readable by others,
    // not even between the write and a chmod.
    file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw fileError(path, error, "create");
    const problems = [{ path: "", message: "file already exists" }];
    throw new ConfigError(`Cannot create master key file "${path}": file already exists`, problems);
  }
  try {
    // A umask can only remove bits; chmod makes the mode exactly 0600 anyway.
    if (!isWindows) await Deno.chmod(path, 0o600);
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    // The key must survive a crash right after values were encrypted under it.
    await file.sync();
  } catch (error) {
    file.close();
    // A half-written key file would fail every later start; leave none.
    await Deno.remove(path).catch(() => {});
    throw fileError(path, error, "create");
  }
  file.close();
  return new KeyRing([[1, secret]]);
}

function fileError(path: string, error: unknown, verb = "read"): ConfigError {
  const reason = error instanceof Deno.errors.NotFound
    ? "file not found"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : error instanceof Error
    ? error.message
    : String(error);
  return new ConfigError(
    `Cannot ${verb} master key file "${path}": ${reason}`,
    [{ path: "", message: reason }],
    { cause: error },
  );
}
