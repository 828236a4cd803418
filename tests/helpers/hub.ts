/**
 * An in-process hub on loopback for tests: a migrated PGlite copy from the
 * per-process template (no initdb), a temp data dir, captured log lines.
 *
 * @module
 */
import { join } from "node:path";
import { type Hub, type HubOptions, startHub } from "../../src/supervisor/mod.ts";
import { freshPglite } from "./db.ts";

/** What a test gets besides the hub. */
export interface HubTestContext {
  /** The bootstrap admin key (from `<data-dir>/admin.key`). */
  adminKey: string;
  /** Every log line the hub wrote. */
  logs: string[];
  dataDir: string;
  /** `fetch` on the hub with `key` as the bearer token. */
  request(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
}

/** Runs `fn` against a fresh hub and always stops it. */
export async function withHub(
  fn: (hub: Hub, ctx: HubTestContext) => Promise<void>,
  flags: HubOptions["flags"] = {},
  options: Partial<Omit<HubOptions, "flags" | "env">> = {},
): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_test_" });
  const logs: string[] = [];
  const hub = await startHub({
    flags: { port: 0, dataDir, ...flags },
    env: {},
    logWrite: (line) => logs.push(line),
    openDatabase: flags.databaseUrl ? undefined : () => freshPglite(),
    ...options,
  });
  try {
    const adminKey = (await Deno.readTextFile(join(dataDir, "admin.key"))).trim();
    const request = (path: string, init: RequestInit & { key?: string } = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${init.key ?? adminKey}`);
      return fetch(`${hub.url}${path}`, { ...init, headers });
    };
    await fn(hub, { adminKey, logs, dataDir, request });
  } finally {
    await hub.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}
