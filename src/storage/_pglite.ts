/**
 * Embedded PostgreSQL (PGlite, WASM) through `drizzle-orm/pglite`: in memory,
 * or file-backed under `<dataDir>/pgdata` behind the data-dir lock.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { HubError } from "@hub/errors";
import type { Logger } from "../logging/mod.ts";
import * as schema from "./schema/mod.ts";
import type { Database } from "./database.ts";
import {
  acquireDataDirLock,
  DATA_DIR_MODE,
  type DataDirLock,
  heldDataDirLock,
} from "./data_dir_lock.ts";
import { describeCause } from "./describe_url.ts";

/** Options of {@linkcode openPglite}. */
export interface OpenPgliteOptions {
  dataDir?: string;
  lock: boolean;
  loadDataDir?: Blob;
  log: Logger;
}

// PGlite's own parameters (durability included, unchanged) plus a smaller
// buffer cache: PostgreSQL's default 128 MB of shared buffers is memory PGlite
// touches when it starts, most of an idle hub's RSS, while the hub's tables
// fit in a few MB. Reads past the cache go to the OS page cache, not the disk.
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

// Data dirs open in this process. The supervisor's own data-dir lock does not
// stop a second PGlite in the same process from opening (and corrupting) them.
const openDirs = new Set<string>();

/** Opens PGlite; a new data dir runs initdb first, which takes seconds. */
export async function openPglite(options: OpenPgliteOptions): Promise<Database> {
  const { log } = options;
  const dir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const pgdata = dir === undefined ? undefined : join(dir, "pgdata");
  const where = pgdata ?? "memory";
  if (dir !== undefined && openDirs.has(dir)) {
    throw new HubError(
      "conflict",
      `Cannot open data dir "${dir}": it is already open in this process (${Deno.pid})`,
    );
  }
  if (dir !== undefined) openDirs.add(dir); // before any await: two concurrent opens race
  // Only a lock taken here is released on close; one the caller holds stays theirs.
  let lock: DataDirLock | undefined;
  let client: PGlite;
  try {
    if (dir !== undefined && options.lock && !heldDataDirLock(dir)) {
      lock = await acquireDataDirLock(dir);
    }
    if (dir !== undefined && pgdata !== undefined) {
      await warnIfOpenToOthers(dir, log);
      // PGlite does not create parent folders itself.
      await Deno.mkdir(pgdata, { recursive: true, mode: DATA_DIR_MODE });
      if (!options.loadDataDir && !(await exists(join(pgdata, "PG_VERSION")))) {
        log.info("Initialising a new PGlite database in {dataDir}", { dataDir: pgdata });
      }
    }
    client = await PGlite.create({
      dataDir: pgdata,
      loadDataDir: options.loadDataDir,
      startParams: START_PARAMS,
    });
  } catch (error) {
    if (dir !== undefined) openDirs.delete(dir);
    await lock?.release();
    if (error instanceof HubError) throw error;
    throw new HubError(
      "unavailable",
      `Cannot open PGlite database in "${where}": ${describeCause(error)}`,
      { cause: error },
    );
  }
  log.info("Opened PGlite database in {dataDir}", { dataDir: where });
  const db = drizzle({ client, schema });
  let closed = false;
  return {
    driver: "pglite",
    db,
    async ping() {
      try {
        await client.query("select 1");
      } catch (error) {
        throw new HubError(
          "unavailable",
          `Cannot reach PGlite database in "${where}": ${describeCause(error)}`,
          { cause: error },
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        if (dir !== undefined) openDirs.delete(dir);
        // Only after PGlite has flushed and closed may another process open the files.
        await lock?.release();
      }
      log.info("Closed PGlite database in {dataDir}", { dataDir: where });
    },
  };
}

// An existing dir keeps the mode its operator gave it (it may be shared on
// purpose), but the database files in it are then readable by others: say so.
async function warnIfOpenToOthers(dir: string, log: Logger): Promise<void> {
  if (Deno.build.os === "windows") return;
  const mode = (await Deno.stat(dir)).mode;
  if (mode === null || (mode & 0o077) === 0) return;
  log.warn(
    "Data dir {dataDir} has mode {mode}, wider than 0700; restrict it with chmod 700",
    { dataDir: dir, mode: (mode & 0o777).toString(8).padStart(4, "0") },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
