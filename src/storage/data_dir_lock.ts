/**
 * An exclusive, process-wide lock on a data dir. PGlite does not stop two
 * processes from opening the same files (and they corrupt them), so the hub
 * takes an OS advisory lock (`flock`) on `<dataDir>/hub.lock` first.
 *
 * The kernel drops the lock when its holder dies, even by SIGKILL, so a lock
 * file left behind by a crash never blocks the next start; the pid written
 * inside serves the error message of a process that finds it held, and the
 * URL the holder listens on (once it does) lets the CLI use its HTTP API.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { HubError } from "@hub/errors";

/** The mode a new data dir is created with: readable by its owner only. */
export const DATA_DIR_MODE = 0o700;

/** Name of the lock file inside the data dir. */
export const LOCK_FILE_NAME = "hub.lock";

/** A held data-dir lock. */
export interface DataDirLock {
  /** Absolute path of the lock file. */
  readonly path: string;
  /** Records the URL the holder listens on, for a process that finds the lock held. */
  advertise(url: string): Promise<void>;
  /** Releases the lock; safe to call twice. */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Locks this process holds, by data dir, so openDatabase can tell "my own
// supervisor holds it" from "someone else does".
const held = new Map<string, DataDirLock>();

/** The lock this process holds on `dataDir`, if any. */
export function heldDataDirLock(dataDir: string): DataDirLock | undefined {
  return held.get(resolve(dataDir));
}

/** What the holder writes into the lock file. */
export interface LockHolder {
  pid: number;
  startedAt: string;
  /** Where the holder's HTTP API listens, once it does. */
  url?: string;
}

/**
 * Takes the lock on `dataDir` (created if missing) without waiting. Throws
 * HubError `conflict` naming the holder's pid when another open file — in this
 * process or another — holds it.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE_NAME);
  let file: Deno.FsFile;
  try {
    // Owner only: the database files, master key and admin key live here.
    await Deno.mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
    // No truncate: the file may belong to a live holder whose pid we need to read.
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (error) {
    throw new HubError("unavailable", `Cannot open data dir "${dir}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  let locked: boolean;
  try {
    locked = await file.tryLock(true);
  } catch (error) {
    file.close();
    throw new HubError("unavailable", `Cannot lock data dir "${dir}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!locked) {
    file.close();
    const holder = await readHolder(path);
    const who = holder ? `process ${holder.pid}` : "another process";
    throw new HubError(
      "conflict",
      `Cannot open data dir "${dir}": it is in use by ${who} (lock file ${path})`,
      {
        details: {
          dataDir: dir,
          lockFile: path,
          pid: holder?.pid,
          startedAt: holder?.startedAt,
          url: holder?.url,
        },
      },
    );
  }
  const holder: LockHolder = { pid: Deno.pid, startedAt: new Date().toISOString() };
  try {
    await writeHolder(file, holder);
  } catch (error) {
    file.close();
    throw new HubError("unavailable", `Cannot lock data dir "${dir}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    held.delete(dir);
    // The file stays: unlinking it would let a process that opened it just
    // before lock the orphaned inode while a newcomer locks a new file.
    try {
      await file.truncate(0);
      await file.unlock();
    } finally {
      file.close();
    }
  };
  const advertise = async (url: string) => {
    if (!released) await writeHolder(file, { ...holder, url });
  };
  const lock: DataDirLock = { path, advertise, release, [Symbol.asyncDispose]: release };
  held.set(dir, lock);
  return lock;
}

async function writeHolder(file: Deno.FsFile, holder: LockHolder): Promise<void> {
  await file.truncate(0);
  await file.seek(0, Deno.SeekMode.Start);
  const bytes = new TextEncoder().encode(JSON.stringify(holder) + "\n");
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

/**
 * Reads the holder's record. A holder that has just taken the lock may not
 * have written it yet, so an empty file is retried briefly.
 */
async function readHolder(path: string): Promise<LockHolder | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const parsed = JSON.parse(await Deno.readTextFile(path));
      if (typeof parsed?.pid === "number") return parsed as LockHolder;
    } catch {
      // Empty or half-written: fall through to the retry.
    }
    await new Promise((done) => setTimeout(done, 20));
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
