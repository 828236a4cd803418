/**
 * The hub's configuration: the JSON config file (typebox schema, every
 * problem reported at once), encrypted secret values (`enc:v1:`, AES-256-GCM
 * under a versioned master key ring), and settings resolved from flags,
 * environment, file and defaults.
 *
 * ```ts
 * import { encryptSecret, loadSettings } from "./mod.ts";
 *
 * const { settings, keyRing, warnings } = await loadSettings({
 *   flags: { port: 8080 },
 *   env: Deno.env.toObject(),
 * });
 * for (const warning of warnings) console.warn(warning);
 * console.log(settings.port, await encryptSecret("postgres://hub:pw@db/hub", keyRing));
 * ```
 *
 * @module
 */
export { ConfigError, type ConfigProblem, formatProblems } from "./config_error.ts";
export {
  decryptBytes,
  DecryptError,
  type DecryptFailure,
  decryptSecret,
  encryptBytes,
  ENCRYPTED_PREFIX,
  encryptSecret,
  isEncryptedValue,
  PBKDF2_ITERATIONS,
} from "./crypto.ts";
export { DEFAULTS } from "./defaults.ts";
export { addKeyVersion } from "./add_key_version.ts";
export { encryptedVersion, reencryptConfigFile, reencryptSecret } from "./reencrypt.ts";
export { KeyRing, MIN_SECRET_LENGTH, parseKeyRing } from "./key_ring.ts";
export { createKeyRingFile, type KeyRingFile, readKeyRing } from "./key_ring_file.ts";
export { loadConfigFile, type LoadedConfig } from "./load.ts";
export { type LoadedSettings, loadSettings, type LoadSettingsOptions } from "./load_settings.ts";
export { type OpenedKeyRing, openKeyRing, type OpenKeyRingOptions } from "./open_key_ring.ts";
export {
  parseBoolean,
  parseLogFormat,
  parseLogLevel,
  parsePort,
  parseSecretUrl,
  parseText,
} from "./parse_value.ts";
export {
  type CliFlags,
  type HubSettings,
  type LimitSettings,
  type LlmProviderConfig,
  type LlmSettings,
  resolveConfigPath,
  resolveSettings,
  type SettingsInput,
} from "./resolve.ts";
export {
  CONFIG_SCHEMA,
  type ConfigFileData,
  isSecretField,
  LLM_PROVIDER_SCHEMA,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  SECRET_FIELDS,
} from "./schema.ts";
export { schemaProblems, validateConfig } from "./validate.ts";
