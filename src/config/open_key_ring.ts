/**
 * Finding the master key file at startup: the one named by the operator, else
 * the container secret, else `<dataDir>/master.key`, created on first start so
 * a fresh install works with no setup.
 */
import { join } from "node:path";
import { DEFAULTS } from "./defaults.ts";
import { createKeyRingFile, type KeyRingFile, readKeyRing } from "./key_ring_file.ts";

/** Options of {@linkcode openKeyRing}. */
export interface OpenKeyRingOptions {
  /** `--master-key-file` / `HUB_MASTER_KEY_FILE`; when set it must exist (never created). */
  masterKeyFile?: string;
  /** The data directory, home of the fallback `master.key`. */
  dataDir: string;
  /** Where the container secret is looked for; `/run/secrets/hub_master_key` unless a test says otherwise. */
  secretFile?: string;
}

/** A key ring found at startup; `created` says a new master key file was just written. */
export interface OpenedKeyRing extends KeyRingFile {
  created: boolean;
}

/** Reads the master key file by the default resolution, creating `<dataDir>/master.key` if none exists. */
export async function openKeyRing(options: OpenKeyRingOptions): Promise<OpenedKeyRing> {
  // An explicit path that is missing is an operator mistake: creating a new
  // key there would make every existing encrypted value unreadable.
  if (options.masterKeyFile !== undefined) {
    return { ...(await readKeyRing(options.masterKeyFile)), created: false };
  }
  const secretFile = options.secretFile ?? DEFAULTS.masterKeyFile;
  if (await exists(secretFile)) return { ...(await readKeyRing(secretFile)), created: false };
  const path = join(options.dataDir, DEFAULTS.dataDirMasterKeyFile);
  if (await exists(path)) return { ...(await readKeyRing(path)), created: false };
  const keyRing = await createKeyRingFile(path);
  return {
    path,
    keyRing,
    created: true,
    warnings: [
      `Created master key file "${path}"; back it up: encrypted values cannot be recovered without it`,
    ],
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    // Any other failure (permission denied) is reported by reading the file.
    return !(error instanceof Deno.errors.NotFound);
  }
}
