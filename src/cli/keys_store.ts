import { HubError } from "@hub/errors";
import { ApiKeyService } from "../auth/mod.ts";
import { loadSettings } from "../config/mod.ts";
import { setupLogging } from "../logging/mod.ts";
import { openDatabase, runMigrations } from "../storage/mod.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import { HUB_FLAGS, toCliFlags } from "./hub_flags.ts";

/** The hub flags a `keys` command needs: where the database is and how to read the config. */
export const STORAGE_FLAGS: readonly FlagSpec[] = HUB_FLAGS.filter((flag) =>
  ["data-dir", "database-url", "config", "master-key-file"].includes(flag.name)
);

const encoder = new TextEncoder();

/**
 * Opens the configured database (migrated), runs `fn` with a key service
 * and closes it. `endpoint` is the HTTP route to suggest when a running
 * hub holds the PGlite data dir.
 */
export async function withKeyService<T>(
  args: ParsedArgs,
  endpoint: string,
  fn: (service: ApiKeyService) => Promise<T>,
): Promise<T> {
  const { settings } = await loadSettings({ flags: toCliFlags(args), env: Deno.env.toObject() });
  // Logs go to stderr: stdout carries the key, and only the key, for scripts.
  await setupLogging({
    dev: settings.dev,
    level: "warning",
    write: writeStderr,
  });
  let database;
  try {
    database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir });
  } catch (error) {
    throw explainLock(error, endpoint);
  }
  try {
    await runMigrations(database);
    return await fn(new ApiKeyService(database.db));
  } finally {
    await database.close();
  }
}

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/** The data-dir lock conflict, turned into what the operator should do instead. */
function explainLock(error: unknown, endpoint: string): unknown {
  if (!(error instanceof HubError) || error.code !== "conflict") return error;
  const dir = error.details?.dataDir;
  if (typeof dir !== "string") return error;
  const pid = error.details?.pid;
  const holder = typeof pid === "number" ? `the hub (pid ${pid})` : "the hub";
  return new HubError(
    "conflict",
    `Cannot open data dir "${dir}": ${holder} is running; use the HTTP API (${endpoint}) instead`,
    { cause: error, details: error.details },
  );
}
