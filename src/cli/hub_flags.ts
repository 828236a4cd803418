import type { CliFlags } from "../config/mod.ts";
import { parsePort } from "../config/mod.ts";
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
  { name: "dev", help: "Development mode: readable logs, error causes in responses (HUB_DEV)" },
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
  };
  const port = text("port");
  if (port !== undefined) {
    try {
      flags.port = parsePort(port, "--port");
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return flags;
}
