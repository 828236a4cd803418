/**
 * PostgreSQL through a `pg` pool and `drizzle-orm/node-postgres`.
 *
 * @module
 */
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { HubError } from "@hub/errors";
import type { Logger } from "../logging/mod.ts";
import * as schema from "./schema/mod.ts";
import type { Database } from "./database.ts";
import { describeCause, describeUrl } from "./describe_url.ts";

/** Options of {@linkcode openPostgres}. */
export interface OpenPostgresOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  log: Logger;
}

/** Opens a pool and proves it can connect before returning. */
export async function openPostgres(options: OpenPostgresOptions): Promise<Database> {
  const target = describeUrl(options.url);
  const secret = passwordOf(options.url);
  const fail = (error: unknown) =>
    new HubError(
      "unavailable",
      `Cannot connect to PostgreSQL at ${target}: ${describeCause(error, secret)}`,
      { cause: error },
    );
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Both: the server cancels a slow statement (and frees its locks), and the
    // client gives up on a server that stopped answering at all (paused, or a
    // dead link), which no server-side setting can notice.
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs,
    application_name: "alk-hub",
  });
  // An idle client losing its server emits "error" on the pool; unhandled, that
  // would end the process. The next query reconnects or fails on its own.
  pool.on("error", (error) => {
    options.log.warn("PostgreSQL connection at {target} lost: {reason}", {
      target,
      reason: describeCause(error, secret),
    });
  });
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw fail(error);
  }
  const db = drizzle({ client: pool, schema });
  let closed = false;
  options.log.info("Opened PostgreSQL database at {target}", { target });
  return {
    driver: "postgres",
    db,
    async ping() {
      try {
        await pool.query("select 1");
      } catch (error) {
        throw fail(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      options.log.info("Closed PostgreSQL database at {target}", { target });
    },
  };
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
