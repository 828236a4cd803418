import { join } from "node:path";
import { HubError } from "@hub/errors";
import {
  type ApiKeyRecord,
  ApiKeyService,
  type CreateApiKeyInput,
  type CreatedApiKey,
  type RevokeResult,
} from "../auth/mod.ts";
import { resolveSettings } from "../config/mod.ts";
import { setupLogging } from "../logging/mod.ts";
import { type Database, openDatabase, runMigrations } from "../storage/mod.ts";
import { type FlagSpec, type ParsedArgs, UsageError } from "./args.ts";
import { writeStderr } from "./_stderr.ts";
import { HUB_FLAGS, toCliFlags } from "./hub_flags.ts";
import { httpKeyStore } from "./keys_http.ts";
import { text } from "./keys_input.ts";
import { loadCliSettings } from "./settings.ts";

/** Where the `keys` commands create, list and revoke keys: the database, or a hub's HTTP API. */
export interface KeyStore {
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  list(options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]>;
  revoke(id: string): Promise<RevokeResult>;
}

/** The flags a `keys` command takes to find the keys: the database, or a running hub. */
export const KEY_STORE_FLAGS: readonly FlagSpec[] = [
  ...HUB_FLAGS.filter((flag) =>
    ["data-dir", "database-url", "config", "master-key-file"].includes(flag.name)
  ),
  {
    name: "url",
    value: "url",
    help: "A running hub's URL: manage keys through its HTTP API (needs an admin key)",
  },
  {
    name: "admin-key-file",
    value: "file",
    help: "Admin key for the HTTP API (default: HUB_ADMIN_KEY, else <data-dir>/admin.key)",
  },
];

/** The file the hub writes its first admin key to (`src/auth/bootstrap.ts`). */
const ADMIN_KEY_FILE = "admin.key";

/**
 * Runs `fn` with the keys the command line names: with `--url`, a hub's HTTP
 * API; otherwise the configured database — unless a running hub holds the
 * embedded one, in which case its HTTP API, at the URL it recorded in the
 * data-dir lock, with the admin key.
 */
export async function withKeyStore<T>(
  args: ParsedArgs,
  fn: (store: KeyStore) => Promise<T>,
): Promise<T> {
  const url = hubUrlFlag(args);
  if (url !== undefined) {
    // The hub may be on another machine: no config, master key or database is opened here.
    const { dataDir } = resolveSettings({ flags: toCliFlags(args), env: Deno.env.toObject() });
    return await fn(httpKeyStore({ url, adminKey: await readAdminKey(args, dataDir) }));
  }
  const { settings } = await loadCliSettings(args);
  // Logs go to stderr: stdout carries the key, and only the key, for scripts.
  await setupLogging({ format: settings.logFormat, level: "warning", write: writeStderr });
  const opened = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir })
    .then((database) => ({ database }), (error) => ({ error }));
  if ("error" in opened) {
    const hubUrl = runningHubUrl(opened.error);
    const adminKey = await readAdminKey(args, settings.dataDir);
    return await fn(httpKeyStore({ url: hubUrl, adminKey }));
  }
  return await withDatabase(opened.database, fn);
}

async function withDatabase<T>(database: Database, fn: (store: KeyStore) => Promise<T>) {
  try {
    await runMigrations(database);
    const service = new ApiKeyService(database.db);
    return await fn({
      create: (input) => service.create(input, { via: "cli" }),
      list: (options) => service.list(options),
      revoke: (id) => service.revoke(id, { via: "cli" }),
    });
  } finally {
    await database.close();
  }
}

/**
 * The URL of the hub that holds the data dir, from its lock record; rethrows
 * any other failure, and explains a hub that has not recorded one (yet).
 */
function runningHubUrl(error: unknown): string {
  if (!(error instanceof HubError) || error.code !== "conflict") throw error;
  const { dataDir, pid, url } = error.details ?? {};
  if (typeof dataDir !== "string") throw error;
  if (typeof url === "string") return reachable(url);
  const holder = typeof pid === "number" ? `the hub (pid ${pid})` : "the hub";
  throw new HubError(
    "conflict",
    `Cannot open data dir "${dataDir}": ${holder} is running and has not recorded its URL yet; pass --url <hub url> to use its HTTP API`,
    { cause: error, details: error.details },
  );
}

/** `--url`, checked before anything is opened: an http(s) URL. */
function hubUrlFlag(args: ParsedArgs): string | undefined {
  const value = text(args, "url");
  if (value === undefined) return undefined;
  const protocol = URL.parse(value)?.protocol;
  if (protocol !== "http:" && protocol !== "https:") {
    throw new UsageError(`Invalid value for --url: "${value}" is not an http(s) URL`);
  }
  return value;
}

/** A hub listening on every interface is reached on loopback. */
function reachable(url: string): string {
  return url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:");
}

/** The admin key: `--admin-key-file`, else `HUB_ADMIN_KEY`, else `<data-dir>/admin.key`. */
async function readAdminKey(args: ParsedArgs, dataDir: string): Promise<string> {
  const flag = text(args, "admin-key-file");
  const fromEnv = Deno.env.get("HUB_ADMIN_KEY")?.trim();
  if (flag === undefined && fromEnv) return fromEnv;
  const path = flag ?? join(dataDir, ADMIN_KEY_FILE);
  let key = "";
  try {
    key = (await Deno.readTextFile(path)).trim();
  } catch (error) {
    // A missing default file only means the key must come from elsewhere; say where.
    if (flag !== undefined || !(error instanceof Deno.errors.NotFound)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HubError("unavailable", `Cannot read admin key file "${path}": ${reason}`, {
        cause: error,
      });
    }
  }
  if (key) return key;
  throw new HubError(
    "unauthorized",
    `Cannot use the hub's HTTP API: no admin key in "${path}" (give --admin-key-file or HUB_ADMIN_KEY)`,
  );
}
