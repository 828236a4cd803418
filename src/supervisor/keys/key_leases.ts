/**
 * Per-key caps on what a key holds open: WebSocket connections, MCP
 * sessions, SSE streams and operation calls. Each is taken as a lease and
 * given back once; the hub-wide caps of each surface stay as they are.
 *
 * ```ts ignore
 * const leases = new KeyLeases({ webSockets: 64, mcpSessions: 32, eventStreams: 32, calls: 128 });
 * const release = leases.acquire(key.id, "eventStreams"); // throws rate_limited at the cap
 * try { ... } finally { release(); }
 * ```
 *
 * @module
 */
import { HubError } from "@hub/errors";

/** The resources capped per key, and how many of each one key may hold. */
export interface PerKeyCaps {
  webSockets: number;
  mcpSessions: number;
  eventStreams: number;
  calls: number;
}

/** One capped resource. */
export type LeaseKind = keyof PerKeyCaps;

/** The defaults: generous for one client, far below the hub-wide caps. */
export const DEFAULT_PER_KEY_CAPS: Readonly<PerKeyCaps> = {
  webSockets: 64,
  mcpSessions: 32,
  eventStreams: 32,
  calls: 128,
};

const WHAT: Record<LeaseKind, string> = {
  webSockets: "WebSocket connections",
  mcpSessions: "MCP sessions",
  eventStreams: "event streams",
  calls: "operation calls in flight",
};

/** Gives a lease back; calling it twice is harmless. */
export type Release = () => void;

/** Counts what each key holds and refuses what would pass its cap. */
export class KeyLeases {
  readonly #caps: PerKeyCaps;
  readonly #held = new Map<string, Record<LeaseKind, number>>();

  constructor(caps: Partial<PerKeyCaps> = {}) {
    this.#caps = { ...DEFAULT_PER_KEY_CAPS, ...caps };
    for (const [kind, cap] of Object.entries(this.#caps)) {
      if (!Number.isInteger(cap) || cap < 1) {
        throw new RangeError(`Invalid per-key cap ${kind}=${cap}: must be an integer >= 1`);
      }
    }
  }

  /** Takes one `kind` for `keyId`; throws `rate_limited` naming the cap when the key holds its cap. */
  acquire(keyId: string, kind: LeaseKind): Release {
    const held = this.#held.get(keyId) ??
      { webSockets: 0, mcpSessions: 0, eventStreams: 0, calls: 0 };
    const cap = this.#caps[kind];
    if (held[kind] >= cap) {
      throw new HubError(
        "rate_limited",
        `Cannot open more ${
          WHAT[kind]
        }: this API key holds ${cap}, its per-key cap (limits.perKey.${kind})`,
        { details: { cap: `limits.perKey.${kind}`, limit: cap } },
      );
    }
    held[kind] += 1;
    this.#held.set(keyId, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held[kind] -= 1;
      if (Object.values(held).every((count) => count === 0)) this.#held.delete(keyId);
    };
  }

  /** How many of `kind` the key holds. */
  held(keyId: string, kind: LeaseKind): number {
    return this.#held.get(keyId)?.[kind] ?? 0;
  }

  /** Every key that holds anything now. */
  keys(): string[] {
    return [...this.#held.keys()];
  }
}
