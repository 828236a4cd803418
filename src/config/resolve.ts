/**
 * Resolving the hub's settings from every source: a command-line flag beats
 * an environment variable, which beats the config file, which beats the
 * default. Pure: the caller passes the environment and the loaded file.
 */
import { ConfigError, type ConfigProblem, formatProblems } from "./config_error.ts";
import { DEFAULTS } from "./defaults.ts";
import {
  parseBoolean,
  parseLogFormat,
  parseLogLevel,
  parsePort,
  parseSecretUrl,
  parseText,
} from "./parse_value.ts";
import type { ConfigFileData, LogFormat, LogLevel } from "./schema.ts";

/** Parsed command-line flags (`--host`, `--port`, `--data-dir`, `--config`, ...). */
export interface CliFlags {
  host?: string;
  port?: number;
  dataDir?: string;
  config?: string;
  databaseUrl?: string;
  redisUrl?: string;
  masterKeyFile?: string;
  dev?: boolean;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  accessLog?: boolean;
}

/** Every setting the hub runs with, after precedence and defaults. */
export interface HubSettings {
  host: string;
  port: number;
  dataDir: string;
  configPath?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Longest wait for one Redis command's reply. */
  redisCommandTimeoutMs: number;
  /** `undefined` = default resolution (/run/secrets/hub_master_key, else <dataDir>/master.key). */
  masterKeyFile?: string;
  dev: boolean;
  logLevel: LogLevel;
  /** Readable lines or JSON lines; see {@linkcode resolveSettings} for the default. */
  logFormat: LogFormat;
  /** One info line per HTTP request on the `hub.http.access` logger. */
  accessLog: boolean;
  bodyLimitBytes: number;
  /** A request body not received in full this long after its headers is cut (400). */
  bodyTimeoutMs: number;
  actors: {
    heartbeatIntervalMs: number;
    heartbeatTimeoutMs: number;
    callTimeoutMs: number;
    restart: { maxRestarts: number; windowMs: number; backoffBaseMs: number; backoffMaxMs: number };
  };
  shutdownTimeoutMs: number;
  /** PostgreSQL timeouts (config file `database`); PGlite ignores them. */
  database: { connectTimeoutMs: number; statementTimeoutMs: number };
  limits: LimitSettings;
  llm: LlmSettings;
}

/** Per-key caps and the re-check interval of open connections (config file `limits`). */
export interface LimitSettings {
  perKey: { webSockets: number; mcpSessions: number; eventStreams: number; calls: number };
  keyRecheckIntervalMs: number;
}

/** The LLM gateway's settings (config file `llm`). */
export interface LlmSettings {
  /** llm-proxy Workers in the pool. */
  poolSize: number;
  /** How long an upstream may take to its first byte before the next deployment is tried. */
  timeoutMs: number;
  /** How long a deployment that failed is skipped while another can serve. */
  cooldownMs: number;
  /** Providers from the config file (their `apiKey` already decrypted). */
  providers: LlmProviderConfig[];
  /** Alias → `provider/model` (or a model name). */
  aliases: Record<string, string>;
}

/** One provider of the config file. */
export interface LlmProviderConfig {
  name: string;
  baseURL: string;
  apiKey?: string;
  models: string[];
  weight?: number;
}

/** Where {@linkcode resolveSettings} reads from. */
export interface SettingsInput {
  flags: CliFlags;
  env: Record<string, string | undefined>;
  file?: ConfigFileData;
  /** True when log lines go to a terminal: they are then readable by default. */
  terminal?: boolean;
}

/** The config file path from `--config` or `HUB_CONFIG`: needed before the file can be loaded. */
export function resolveConfigPath(
  flags: CliFlags,
  env: Record<string, string | undefined>,
): string | undefined {
  const sources = new Sources(env);
  const path = sources.pick(flags.config, "--config", "HUB_CONFIG", parseText);
  sources.throwIfInvalid();
  return path;
}

/**
 * Resolves every setting: flag > environment variable > config file > default.
 * Log lines are readable by default on a terminal and in development, JSON
 * lines otherwise (what a log collector expects).
 * Throws one ConfigError naming every invalid flag, variable or field relation.
 */
export function resolveSettings(input: SettingsInput): HubSettings {
  const { flags, file = {} } = input;
  const sources = new Sources(input.env);
  const pick = sources.pick.bind(sources);
  const dev = pick(flags.dev, "--dev", "HUB_DEV", parseBoolean) ?? file.development ??
    DEFAULTS.dev;
  const fileActors = file.actors ?? {};
  const settings: HubSettings = {
    host: pick(flags.host, "--host", "HUB_HOST", parseText) ?? file.server?.host ?? DEFAULTS.host,
    port: pick(flags.port, "--port", "HUB_PORT", parsePort) ?? file.server?.port ?? DEFAULTS.port,
    dataDir: pick(flags.dataDir, "--data-dir", "HUB_DATA_DIR", parseText) ?? file.dataDir ??
      DEFAULTS.dataDir,
    configPath: pick(flags.config, "--config", "HUB_CONFIG", parseText),
    databaseUrl: pick(flags.databaseUrl, "--database-url", "HUB_DATABASE_URL", parseSecretUrl) ??
      file.database?.url,
    redisUrl: pick(flags.redisUrl, "--redis-url", "HUB_REDIS_URL", parseSecretUrl) ??
      file.redis?.url,
    redisCommandTimeoutMs: file.redis?.commandTimeoutMs ?? DEFAULTS.redisCommandTimeoutMs,
    masterKeyFile: pick(flags.masterKeyFile, "--master-key-file", "HUB_MASTER_KEY_FILE", parseText),
    dev,
    logLevel: pick(flags.logLevel, "--log-level", "HUB_LOG_LEVEL", parseLogLevel) ??
      file.log?.level ?? (dev ? DEFAULTS.devLogLevel : DEFAULTS.logLevel),
    logFormat: pick(flags.logFormat, "--log-format", "HUB_LOG_FORMAT", parseLogFormat) ??
      file.log?.format ?? (dev || input.terminal ? "pretty" : "json"),
    accessLog: pick(flags.accessLog, "--no-access-log", "HUB_ACCESS_LOG", parseBoolean) ??
      file.log?.access ?? DEFAULTS.accessLog,
    bodyLimitBytes: file.server?.bodyLimitBytes ?? DEFAULTS.bodyLimitBytes,
    bodyTimeoutMs: file.server?.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
    actors: {
      ...DEFAULTS.actors,
      ...fileActors,
      restart: { ...DEFAULTS.actors.restart, ...fileActors.restart },
    },
    shutdownTimeoutMs: file.shutdown?.timeoutMs ?? DEFAULTS.shutdownTimeoutMs,
    database: {
      connectTimeoutMs: file.database?.connectTimeoutMs ?? DEFAULTS.database.connectTimeoutMs,
      statementTimeoutMs: file.database?.statementTimeoutMs ??
        DEFAULTS.database.statementTimeoutMs,
    },
    limits: {
      perKey: { ...DEFAULTS.limits.perKey, ...file.limits?.perKey },
      keyRecheckIntervalMs: file.limits?.keyRecheckIntervalMs ??
        DEFAULTS.limits.keyRecheckIntervalMs,
    },
    llm: {
      poolSize: file.llm?.poolSize ?? DEFAULTS.llm.poolSize,
      timeoutMs: file.llm?.timeoutMs ?? DEFAULTS.llm.timeoutMs,
      cooldownMs: file.llm?.cooldownMs ?? DEFAULTS.llm.cooldownMs,
      providers: (file.llm?.providers ?? []).map((provider) => ({ ...provider })),
      aliases: { ...file.llm?.aliases },
    },
  };
  sources.throwIfInvalid();
  checkRelations(settings);
  return settings;
}

// Collects every invalid flag or variable so all are reported in one error.
class Sources {
  readonly #errors: ConfigError[] = [];
  readonly #env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined>) {
    this.#env = env;
  }

  // A flag arrives parsed by the CLI (typed) but is checked again here, so a
  // flag and its variable fail with the same message whoever calls this.
  pick<T extends string | number | boolean>(
    flag: T | undefined,
    flagName: string,
    envName: string,
    parse: (text: string, source: string) => T,
  ): T | undefined {
    const [text, source] = flag !== undefined
      ? [String(flag), flagName]
      : [this.#env[envName], envName];
    // An empty variable counts as unset, as `HUB_PORT= hub serve` intends.
    if (text === undefined || (source === envName && text === "")) return undefined;
    try {
      return parse(text, source);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#errors.push(error);
      return undefined;
    }
  }

  throwIfInvalid(): void {
    if (this.#errors.length === 1) throw this.#errors[0];
    if (this.#errors.length > 1) {
      const problems = this.#errors.flatMap((error) => [...error.problems]);
      throw new ConfigError(this.#errors.map((error) => error.message).join("; "), problems);
    }
  }
}

// Ranges of single fields are the schema's job; these relate two fields,
// which may come from different sources (one from the file, one default).
function checkRelations(settings: HubSettings): void {
  const problems: ConfigProblem[] = [];
  const { actors } = settings;
  if (actors.heartbeatTimeoutMs <= actors.heartbeatIntervalMs) {
    problems.push({
      path: "/actors/heartbeatTimeoutMs",
      message:
        `(${actors.heartbeatTimeoutMs}) must be greater than /actors/heartbeatIntervalMs (${actors.heartbeatIntervalMs})`,
    });
  }
  if (actors.restart.backoffMaxMs < actors.restart.backoffBaseMs) {
    problems.push({
      path: "/actors/restart/backoffMaxMs",
      message:
        `(${actors.restart.backoffMaxMs}) must not be less than /actors/restart/backoffBaseMs (${actors.restart.backoffBaseMs})`,
    });
  }
  const names = new Set<string>();
  settings.llm.providers.forEach((provider, i) => {
    if (names.has(provider.name)) {
      problems.push({ path: `/llm/providers/${i}/name`, message: `"${provider.name}" is taken` });
    }
    names.add(provider.name);
  });
  if (problems.length > 0) {
    throw new ConfigError(`Cannot resolve settings: ${formatProblems(problems)}`, problems);
  }
}
