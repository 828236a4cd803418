/**
 * Loading the config file: read, parse, decrypt every `enc:` value, validate,
 * and report every problem at once with its JSON pointer.
 */
import { ConfigError, type ConfigProblem, formatProblems } from "./config_error.ts";
import { DecryptError, decryptSecret, isEncryptedValue } from "./crypto.ts";
import type { KeyRing } from "./key_ring.ts";
import { type ConfigFileData, escapePointer, isSecretField } from "./schema.ts";
import { validateConfig } from "./validate.ts";

/** A valid config file, its secrets decrypted. */
export interface LoadedConfig {
  path: string;
  data: ConfigFileData;
  /** For the operator (e.g. a plain secret in the file); never contains a value. */
  warnings: string[];
}

/**
 * Loads a JSON config file. Without a key ring, any encrypted value is an
 * error naming its field. Throws a ConfigError listing every problem.
 */
export async function loadConfigFile(path: string, keyRing?: KeyRing): Promise<LoadedConfig> {
  return await decodeConfig(path, await readConfigJson(path), keyRing);
}

/** Reads and parses a config file without validating it (startup peeks at `dataDir` first). */
export async function readConfigJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw loadError(path, [{ path: "", message: readFailure(error) }], error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = `invalid JSON: ${safeJsonMessage(error)}`;
    throw loadError(path, [{ path: "", message }], error);
  }
}

/** Decrypts and validates parsed config data read from `path`. */
export async function decodeConfig(
  path: string,
  raw: unknown,
  keyRing?: KeyRing,
): Promise<LoadedConfig> {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const data = await decryptValues(raw, "", { keyRing, problems, warnings, path });
  problems.push(...validateConfig(data));
  if (problems.length > 0) throw loadError(path, problems);
  return { path, data: data as ConfigFileData, warnings };
}

/**
 * Throws the ConfigError of data whose shape is wrong before any decryption
 * (an encrypted value is a string too), so startup can reject a bad file
 * before it touches the master key.
 */
export function checkConfigShape(path: string, raw: unknown): void {
  const problems = validateConfig(raw);
  if (problems.length > 0) throw loadError(path, problems);
}

function loadError(path: string, problems: ConfigProblem[], cause?: unknown): ConfigError {
  const message = `Cannot load config "${path}": ${formatProblems(problems)}`;
  return new ConfigError(message, problems, { cause });
}

interface Walk {
  keyRing?: KeyRing;
  problems: ConfigProblem[];
  warnings: string[];
  path: string;
}

// Returns a copy with every `enc:` string decrypted. A value that fails stays
// encrypted in the copy, which is thrown away: the failure is a problem.
async function decryptValues(value: unknown, pointer: string, walk: Walk): Promise<unknown> {
  if (Array.isArray(value)) {
    return await Promise.all(value.map((item, i) => decryptValues(item, `${pointer}/${i}`, walk)));
  }
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) =>
        [key, await decryptValues(item, `${pointer}/${escapePointer(key)}`, walk)] as const
      ),
    );
    return Object.fromEntries(entries);
  }
  if (typeof value !== "string") return value;
  if (!isEncryptedValue(value)) {
    if (isSecretField(pointer)) {
      walk.warnings.push(
        `Config "${walk.path}": ${pointer} holds a plain-text secret; ` +
          "store it encrypted (see `hub config encrypt`)",
      );
    }
    return value;
  }
  if (!walk.keyRing) {
    walk.problems.push({
      path: pointer,
      message: "is encrypted, but no master key is available: a master key file is needed " +
        "(--master-key-file, HUB_MASTER_KEY_FILE or /run/secrets/hub_master_key)",
    });
    return value;
  }
  try {
    return await decryptSecret(value, walk.keyRing);
  } catch (error) {
    if (!(error instanceof DecryptError)) throw error;
    walk.problems.push({ path: pointer, message: error.reason });
    return value;
  }
}

function readFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "file not found";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "path is a directory, not a file";
  return error instanceof Error ? error.message : String(error);
}

// V8 quotes part of the input in some parse errors (`Unexpected token 'p',
// ..."url": postgres:/"... is not valid JSON`), and the file may hold secrets:
// keep only the part before the quote.
function safeJsonMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.endsWith("is not valid JSON")) return message;
  const end = message.indexOf(", ");
  return end > 0 ? message.slice(0, end) : "unexpected input";
}
