/**
 * A short-lived verification cache in front of the key store, so an
 * authenticated request does not cost a query. A revocation clears the key at
 * once: from this process's service directly, from other hubs through the
 * `subscribe` hook (see events.ts).
 *
 * ```ts ignore
 * const verifier = createCachedVerifier(service, { onVerified: (key) => lastUsed.touch(key.id) });
 * const key = await verifier.verify(bearer); // a DB query at most every ttlMs per key
 * ```
 *
 * @module
 */
import { HubError } from "@hub/errors";
import { hashApiKey, hashesEqual } from "./api_key.ts";
import type { RevocationSubscriber } from "./events.ts";
import {
  type ApiKeyVerifier,
  EXPIRED_KEY_MESSAGE,
  prefixOrRefuse,
  type VerifiedApiKey,
} from "./verify.ts";

/** What the cache verifies against: an {@linkcode ApiKeyService} or a test double. */
export interface KeyVerificationSource {
  verifyHash(prefix: string, hash: string): Promise<VerifiedApiKey>;
  /** Revocations made through this source, delivered at once. */
  onRevoked?(listener: (keyId: string) => void): () => void;
}

/** Options of {@linkcode createCachedVerifier}. */
export interface CachedVerifierOptions {
  /** How long a successful verification is reused (default 5000 ms). */
  ttlMs?: number;
  /**
   * How long a refusal is reused (default 1000 ms). It is keyed by the hash
   * of the whole key, and a new key's hash cannot be known before the key is
   * generated, so it can never delay a just-created key; it only spares the
   * database a client retrying the same bad key in a loop.
   */
  negativeTtlMs?: number;
  /**
   * How long past `ttlMs` a successful verification is still served while the
   * source fails with `unavailable` (default 30 000 ms; 0 turns it off). A
   * database outage then does not lock out keys verified just before it; the
   * price is that a revocation this process cannot see (written by another
   * hub) takes up to `ttlMs + staleIfUnavailableMs` to bite. Revocations that
   * reach `invalidate()` and expiry still apply at once.
   */
  staleIfUnavailableMs?: number;
  /** Most entries kept in each of the two caches; the oldest go first (default 10 000). */
  maxEntries?: number;
  now?: () => Date;
  /** Revocations from other hubs (wired to pubsub by the supervisor). */
  subscribe?: RevocationSubscriber;
  /** Called on every successful verification, cached or not (e.g. last-used tracking). */
  onVerified?: (key: VerifiedApiKey) => void;
}

/** An {@linkcode ApiKeyVerifier} with a cache that revocations clear. */
export interface CachedApiKeyVerifier extends ApiKeyVerifier {
  /** Drops every cached verification of `keyId` at once. */
  invalidate(keyId: string): void;
  /** Drops everything. */
  clear(): void;
  /** Cached successful verifications. */
  readonly size: number;
  /** Unsubscribes from revocation sources. */
  close(): void;
}

interface Hit {
  hash: string;
  key: VerifiedApiKey;
  until: number;
}

/** Caches verifications of `source` for `ttlMs`; rechecks expiry on every hit. */
export function createCachedVerifier(
  source: KeyVerificationSource,
  options: CachedVerifierOptions = {},
): CachedApiKeyVerifier {
  const ttlMs = options.ttlMs ?? 5000;
  const negativeTtlMs = options.negativeTtlMs ?? 1000;
  const staleMs = options.staleIfUnavailableMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => new Date());
  // By prefix, so a hit still compares the hash in constant time.
  const hits = new Map<string, Hit>();
  // By hash of the whole key: a wrong secret must never shadow the right one.
  const refusals = new Map<string, { message: string; until: number }>();
  // Bumped by every invalidation: a lookup that overlapped one must not cache
  // what it read, or a revoked key could live on for a whole TTL.
  let epoch = 0;

  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    if (map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  };
  const refuse = (hash: string, message: string, at: number): never => {
    if (negativeTtlMs > 0) remember(refusals, hash, { message, until: at + negativeTtlMs });
    throw new HubError("unauthorized", message);
  };
  const accept = (key: VerifiedApiKey) => {
    options.onVerified?.(key);
    return key;
  };
  const invalidate = (keyId: string) => {
    epoch += 1;
    for (const [prefix, hit] of hits) if (hit.key.id === keyId) hits.delete(prefix);
  };
  const unsubscribes = [source.onRevoked?.(invalidate), options.subscribe?.(invalidate)];

  return {
    async verify(key) {
      const prefix = prefixOrRefuse(key);
      const hash = await hashApiKey(key);
      const at = now().getTime();
      let hit = hits.get(prefix);
      if (hit && hit.until + staleMs <= at) {
        hits.delete(prefix);
        hit = undefined;
      }
      // Only a hit for this very key may answer, fresh or (during an outage) stale.
      if (hit && !hashesEqual(hash, hit.hash)) hit = undefined;
      const serve = (cached: Hit) => {
        if (cached.key.expiresAt && cached.key.expiresAt.getTime() <= at) {
          hits.delete(prefix);
          refuse(hash, EXPIRED_KEY_MESSAGE, at);
        }
        return accept(cached.key);
      };
      if (hit && hit.until > at) return serve(hit);
      const refusal = refusals.get(hash);
      if (refusal && refusal.until > at) throw new HubError("unauthorized", refusal.message);
      const started = epoch;
      let verified: VerifiedApiKey;
      try {
        verified = await source.verifyHash(prefix, hash);
      } catch (error) {
        // Refusals are final (unknown, revoked, expired); a database outage is not.
        if (error instanceof HubError && error.code === "unauthorized") {
          hits.delete(prefix);
          refuse(hash, error.message, at);
        }
        // An invalidation since the hit was stored (epoch moved) deleted it from
        // the map; a hit still there was not revoked through this process.
        const stale = hits.get(prefix);
        if (
          error instanceof HubError && error.code === "unavailable" && stale === hit &&
          stale !== undefined
        ) {
          return serve(stale);
        }
        throw error;
      }
      if (ttlMs > 0 && epoch === started) {
        remember(hits, prefix, { hash, key: verified, until: at + ttlMs });
      }
      return accept(verified);
    },
    invalidate,
    clear() {
      epoch += 1;
      hits.clear();
      refusals.clear();
    },
    get size() {
      return hits.size;
    },
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe?.();
    },
  };
}
