import type { HubSettings } from "../../config/mod.ts";
import { logger } from "../../logging/mod.ts";
import { type Database, openDatabase, runMigrations } from "../../storage/mod.ts";
import { cachedProbe } from "../health.ts";

/** The database of a running hub. */
export interface Storage {
  readonly database: Database;
  migrate(): Promise<{ applied: number }>;
  /** True when the database answered a ping within the last second. */
  probe(): Promise<boolean>;
  /** Closes the database and releases the data-dir lock. */
  close(): Promise<void>;
}

/** Opens PostgreSQL (database URL) or PGlite under the data dir (holding its lock). */
export async function openStorage(
  settings: HubSettings,
  override?: (settings: HubSettings) => Promise<Database>,
): Promise<Storage> {
  const database = override ? await override(settings) : await openDatabase({
    url: settings.databaseUrl,
    dataDir: settings.dataDir,
    ...settings.database,
  });
  logger("storage").info("Opened {driver} database", { driver: database.driver });
  return {
    database,
    migrate: () => runMigrations(database),
    probe: cachedProbe(() => database.ping()),
    close: () => database.close(),
  };
}

export {
  connectRedis,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  type RedisConnection,
  type RedisConnectOptions,
} from "./redis.ts";
