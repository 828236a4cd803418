import { Redis } from "ioredis";
import { HubError } from "@hub/errors";
import type { HubSettings } from "../../config/mod.ts";
import { logger } from "../../logging/mod.ts";
import { type Database, describeUrl, openDatabase, runMigrations } from "../../storage/mod.ts";
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

/** A Redis connection of the hub. */
export interface RedisConnection {
  readonly client: Redis;
  ok(): boolean;
  close(): Promise<void>;
}

/** Connects to Redis and checks it answers PING; fails the step rather than retrying forever. */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 2,
  });
  client.on(
    "error",
    (error) => logger("redis").warn("Redis error: {message}", { message: error.message }),
  );
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new HubError(
      "unavailable",
      `Cannot connect to Redis at ${describeUrl(url)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  logger("redis").info("Connected to Redis at {url}", { url: describeUrl(url) });
  return {
    client,
    ok: () => client.status === "ready",
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
