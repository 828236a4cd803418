/**
 * Opens the hub's database: embedded PGlite by default, PostgreSQL (`pg`)
 * when a URL is given. Both are driven through one drizzle type, so code above
 * this module never branches on the driver.
 *
 * @module
 */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { HubError } from "@hub/errors";
import { type Logger, logger } from "../logging/mod.ts";
import type * as schema from "./schema/mod.ts";
import { openPglite } from "./_pglite.ts";
import { openPostgres } from "./_postgres.ts";
import { describeUrl } from "./describe_url.ts";

/** The PostgreSQL timeouts nobody set, in ms. */
const DATABASE_TIMEOUT_DEFAULTS = { connectTimeoutMs: 5000, statementTimeoutMs: 5000 } as const;

/** Which engine backs a {@linkcode Database}. */
export type Driver = "pglite" | "postgres";

/** The drizzle schema object every database is opened with. */
export type HubSchema = typeof schema;

/** What `db.execute()` resolves to: both drivers return `rows`. */
export interface HubRows<T> {
  rows: T[];
}

/** Result kind shared by the PGlite and node-postgres drivers. */
export interface HubQueryResultHKT extends PgQueryResultHKT {
  type: HubRows<this["row"]>;
}

/** One drizzle type for both drivers: queries, `db.query.*`, transactions, `execute`. */
export type HubDb = PgDatabase<HubQueryResultHKT, HubSchema>;

/** An open database. */
export interface Database {
  readonly driver: Driver;
  readonly db: HubDb;
  /** Resolves when the database answers a trivial query; throws `unavailable` otherwise. */
  ping(): Promise<void>;
  /** Closes connections (and releases the data-dir lock); safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** `postgres://` or `postgresql://` URL: use PostgreSQL. Without it, PGlite. */
  url?: string;
  /** PGlite keeps its files in `<dataDir>/pgdata`; without it PGlite runs in memory. */
  dataDir?: string;
  /**
   * Hold `<dataDir>/hub.lock` while the database is open (default `true`), so
   * a second process fails at once instead of corrupting the files. When this
   * process already holds it (`acquireDataDirLock`), it is used and left held.
   */
  lock?: boolean;
  /** Start an in-memory PGlite from this `dumpDataDir()` tarball (test templates). */
  loadDataDir?: Blob;
  /** Largest number of pooled PostgreSQL connections (default 10). */
  poolSize?: number;
  /** How long to wait for a PostgreSQL connection, in ms (default 5000). */
  connectTimeoutMs?: number;
  /**
   * Longest a PostgreSQL statement may run, in ms (default 5000): past it the
   * server cancels it, and a server that does not answer at all is given up
   * on. Either way the query fails `unavailable` instead of holding a request.
   */
  statementTimeoutMs?: number;
  log?: Logger;
}

/** Opens PostgreSQL when `url` is set, PGlite otherwise; fails with `unavailable` if unreachable. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const log = options.log ?? logger("storage");
  if (options.url !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(options.url)) {
      throw new HubError(
        "bad_request",
        `Cannot open database "${
          describeUrl(options.url)
        }": expected a postgres:// or postgresql:// URL`,
      );
    }
    return await openPostgres({
      url: options.url,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs ??
        DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs,
      log,
    });
  }
  return await openPglite({
    dataDir: options.dataDir,
    lock: options.lock ?? true,
    loadDataDir: options.loadDataDir,
    log,
  });
}
