import type { CliFlags } from "../config/mod.ts";
import { ConfigError, parseLogFormat, parseLogLevel, parsePort } from "../config/mod.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import { UsageError } from "./args.ts";

/** The flags every command that opens the hub's settings accepts. */
export const HUB_FLAGS: readonly FlagSpec[] = [
  { name: "host", value: "host", help: "Address to listen on (HUB_HOST, default 127.0.0.1)" },
  {
    name: "port",
    value: "port",
    help: "Port to listen on, 0 for any free one (HUB_PORT, default 3000)",
  },
  {
    name: "data-dir",
    value: "dir",
    help: "Embedded database, lock and key files (HUB_DATA_DIR, default ./.hub)",
  },
  { name: "config", value: "file", help: "JSON config file (HUB_CONFIG)" },
  {
    name: "database-url",
    value: "url",
    help: "PostgreSQL URL instead of embedded PGlite (HUB_DATABASE_URL)",
  },
  { name: "redis-url", value: "url", help: "Redis URL: turns on the Redis bridge (HUB_REDIS_URL)" },
  { name: "master-key-file", value: "file", help: "Master key ring file (HUB_MASTER_KEY_FILE)" },
  {
    name: "dev",
    help: "Development mode: readable logs at debug level, error causes in responses (HUB_DEV)",
  },
  {
    name: "log-level",
    value: "level",
    help: "trace, debug, info, warning, error or fatal (HUB_LOG_LEVEL, default info)",
  },
  {
    name: "log-format",
    value: "format",
    help: "pretty or json (HUB_LOG_FORMAT, default pretty on a terminal, json otherwise)",
  },
  { name: "no-access-log", help: "No line per HTTP request (HUB_ACCESS_LOG=0)" },
];

/** Turns parsed hub flags into CliFlags, validating values as the environment would be. */
export function toCliFlags(parsed: ParsedArgs): CliFlags {
  const text = (name: string) => {
    const value = parsed.values[name];
    if (value === "") throw new UsageError(`Invalid value for --${name}: value is empty`);
    return value as string | undefined;
  };
  const flags: CliFlags = {
    host: text("host"),
    dataDir: text("data-dir"),
    config: text("config"),
    databaseUrl: text("database-url"),
    redisUrl: text("redis-url"),
    masterKeyFile: text("master-key-file"),
    dev: parsed.values.dev === true ? true : undefined,
    accessLog: parsed.values["no-access-log"] === true ? false : undefined,
  };
  flags.port = checked(text("port"), "--port", parsePort);
  flags.logLevel = checked(text("log-level"), "--log-level", parseLogLevel);
  flags.logFormat = checked(text("log-format"), "--log-format", parseLogFormat);
  return flags;
}

// A bad value is the user's to correct: a usage error (exit 2), as an unknown flag is.
function checked<T>(
  text: string | undefined,
  flag: string,
  parse: (text: string, source: string) => T,
): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text, flag);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
