/**
 * The whole startup sequence in one call. The order matters: the master key
 * may live in the data directory, the data directory may be set in the config
 * file, and the config file may hold values only the master key decrypts.
 */
import { checkConfigShape, decodeConfig, readConfigJson } from "./load.ts";
import type { KeyRing } from "./key_ring.ts";
import { openKeyRing } from "./open_key_ring.ts";
import { type CliFlags, type HubSettings, resolveConfigPath, resolveSettings } from "./resolve.ts";
import { isEncryptedValue } from "./crypto.ts";

/** Options of {@linkcode loadSettings}. */
export interface LoadSettingsOptions {
  flags: CliFlags;
  env: Record<string, string | undefined>;
  /** Where the container secret is looked for; `/run/secrets/hub_master_key` unless a test says otherwise. */
  secretFile?: string;
  /** True when log lines go to a terminal (readable lines by default); stdout's state unless given. */
  terminal?: boolean;
}

/** Settings ready to start the hub with, and what the operator should be told. */
export interface LoadedSettings {
  settings: HubSettings;
  keyRing: KeyRing;
  /** The master key file in use. */
  keyRingPath: string;
  /** True when a new master key file was written on this start. */
  keyRingCreated: boolean;
  /** Warnings to log once logging is set up; they never contain a secret. */
  warnings: string[];
}

/**
 * Resolves settings from flags, environment and config file, opening (or on
 * first start creating) the master key ring. Throws a ConfigError on any problem.
 */
export async function loadSettings(options: LoadSettingsOptions): Promise<LoadedSettings> {
  const { flags, env } = options;
  const configPath = resolveConfigPath(flags, env);
  const raw = configPath === undefined ? undefined : await readConfigJson(configPath);
  if (configPath !== undefined) checkConfigShape(configPath, raw);
  // The master key may live in the data directory the file names; the file
  // is checked again after decryption, once the key is open.
  const early = resolveSettings({ flags, env, file: { dataDir: plainDataDir(raw) } });
  const opened = await openKeyRing({
    masterKeyFile: early.masterKeyFile,
    dataDir: early.dataDir,
    secretFile: options.secretFile,
  });
  const loaded = configPath === undefined
    ? undefined
    : await decodeConfig(configPath, raw, opened.keyRing);
  const terminal = options.terminal ?? Deno.stdout.isTerminal();
  const settings = resolveSettings({ flags, env, file: loaded?.data, terminal });
  return {
    settings,
    keyRing: opened.keyRing,
    keyRingPath: opened.path,
    keyRingCreated: opened.created,
    warnings: [...opened.warnings, ...(loaded?.warnings ?? [])],
  };
}

function plainDataDir(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== "object" || !("dataDir" in raw)) return undefined;
  const { dataDir } = raw;
  return typeof dataDir === "string" && dataDir !== "" && !isEncryptedValue(dataDir)
    ? dataDir
    : undefined;
}
