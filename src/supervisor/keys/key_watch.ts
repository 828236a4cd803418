/**
 * Re-checks the keys that hold connections open, so a revocation made in
 * another process (`hub keys revoke` on a shared PostgreSQL, another hub)
 * closes them within one interval. One query per interval for all open keys;
 * a key found revoked or gone is announced on the hub bus as a revocation,
 * which every surface (spoke sockets, SSE streams, MCP sessions, the
 * verifier cache) already obeys. No Redis involved.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import { KEY_REVOKED, keyRevokedEvent } from "../../auth/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { HubEvents } from "../events.ts";

/** Options of {@linkcode watchOpenKeys}. */
export interface KeyWatchOptions {
  /** Keys that hold connections now. */
  openKeys(): string[];
  /** Ids of every key that is neither revoked nor deleted (one query), or undefined before storage is up. */
  activeKeys(): Promise<Iterable<string>> | undefined;
  pubsub: PubSub<HubEvents>;
  /** How often; default 5000 ms. */
  intervalMs?: number;
}

/** A running watch; `close()` stops it. */
export interface KeyWatch {
  /** Runs one check now (tests, and the interval). */
  check(): Promise<void>;
  close(): void;
}

/** Starts re-checking open keys every `intervalMs`. */
export function watchOpenKeys(options: KeyWatchOptions): KeyWatch {
  const intervalMs = options.intervalMs ?? 5000;
  const log = logger("auth");
  let running: Promise<void> | undefined;

  const once = async () => {
    const open = options.openKeys();
    if (open.length === 0) return;
    const lookup = options.activeKeys();
    if (lookup === undefined) return;
    let active: Set<string>;
    try {
      active = new Set(await lookup);
    } catch (error) {
      // An outage is not a revocation: connections stay until the database answers.
      log.warn("Cannot re-check the keys of open connections: {error}", { error });
      return;
    }
    for (const keyId of open) {
      if (active.has(keyId)) continue;
      log.info("Key {keyId} was revoked elsewhere: closing its connections", { keyId });
      const { id, payload } = keyRevokedEvent(keyId);
      options.pubsub.publish(KEY_REVOKED, id, payload);
    }
  };
  const check = () => running ??= once().finally(() => running = undefined);
  const timer = setInterval(() => void check(), intervalMs);
  Deno.unrefTimer(timer);
  return { check, close: () => clearInterval(timer) };
}
