/**
 * Per-key LLM limits — `rpm`, `tpm` and `maxParallel` from the key record —
 * checked and consumed in one step. Requests and tokens are token buckets
 * refilled continuously over a minute (a burst of the whole limit, then the
 * limit's rate); tokens are reserved at the request's estimate and settled
 * with the actual usage; parallel slots are leases released at the end.
 *
 * @module
 */
import type { ApiKeyLimits } from "../../storage/mod.ts";
import { formatDuration } from "../../llm_catalog/mod.ts";

/** One check-and-consume. */
export interface LimitRequest {
  keyId: string;
  limits: Readonly<ApiKeyLimits>;
  /** Estimated tokens to reserve (only with `tpm`). */
  tokens: number;
}

/** Which limit refused: `requests`, `tokens` (wait), `tokens_too_large` (never fits), `parallel`. */
type RefusedLimit = "requests" | "tokens" | "tokens_too_large" | "parallel";

/** What {@linkcode LlmLimiter.acquire} decided. */
export type LimitDecision =
  | { admitted: true; headers: Record<string, string>; lease: LimitLease }
  | {
    admitted: false;
    limit: RefusedLimit;
    retryAfterMs: number;
    headers: Record<string, string>;
  };

/** What a settle needs: given back by an admission. */
export interface LimitLease {
  keyId: string;
  limits: Readonly<ApiKeyLimits>;
  reserved: number;
  /** Parallel-slot id, when `maxParallel` is set. */
  slot?: string;
}

/** A limiter: in-process, or shared by every hub through Redis. */
export interface LlmLimiter {
  acquire(request: LimitRequest): Promise<LimitDecision>;
  /** Returns the unused reservation (or takes the overrun) and frees the parallel slot. */
  settle(lease: LimitLease, actualTokens: number): Promise<void>;
  /** Stops background work (slot renewals, release retries). */
  close(): void;
}

/**
 * A parallel slot's lease in a shared store, renewed every third of it while
 * its request is alive: a hub that dies holding slots frees them within it.
 */
export const SLOT_LEASE_MS = 30_000;

/**
 * The actual tokens to settle with: a count the upstream reported, or, when
 * it is not a finite count (an upstream's odd `usage`), the reservation — so
 * a bad value never turns a bucket into NaN (which would admit everything).
 */
export function validTokens(actual: number, reserved: number): number {
  return typeof actual === "number" && Number.isFinite(actual) && actual >= 0 ? actual : reserved;
}

/** Bucket levels after a check, for the `x-ratelimit-*` headers. */
export interface Levels {
  rpm?: number;
  requests?: number;
  tpm?: number;
  tokens?: number;
}

/** The `x-ratelimit-*` headers of `levels` (only for the limits the key has). */
export function rateLimitHeaders(levels: Levels): Record<string, string> {
  const headers: Record<string, string> = {};
  if (levels.rpm && levels.requests !== undefined) {
    const left = Math.max(0, Math.floor(levels.requests));
    headers["x-ratelimit-limit-requests"] = String(levels.rpm);
    headers["x-ratelimit-remaining-requests"] = String(left);
    headers["x-ratelimit-reset-requests"] = formatDuration(
      (levels.rpm - levels.requests) / (levels.rpm / 60_000),
    );
  }
  if (levels.tpm && levels.tokens !== undefined) {
    headers["x-ratelimit-limit-tokens"] = String(levels.tpm);
    headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, Math.floor(levels.tokens)));
    headers["x-ratelimit-reset-tokens"] = formatDuration(
      (levels.tpm - levels.tokens) / (levels.tpm / 60_000),
    );
  }
  return headers;
}

/** True when the key has any LLM limit. */
export function hasLimits(limits: Readonly<ApiKeyLimits>): boolean {
  return Boolean(limits.rpm || limits.tpm || limits.maxParallel);
}

interface Bucket {
  level: number;
  at: number;
}

/** The in-process limiter: exact within one hub; use Redis when several hubs share keys. */
export class MemoryLimiter implements LlmLimiter {
  readonly #requests = new Map<string, Bucket>();
  readonly #tokens = new Map<string, Bucket>();
  readonly #slots = new Map<string, number>();
  readonly #now: () => number;
  #nextSlot = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  acquire(request: LimitRequest): Promise<LimitDecision> {
    return Promise.resolve(this.check(request));
  }

  /** The synchronous check behind {@linkcode acquire}. */
  check({ keyId, limits, tokens }: LimitRequest): LimitDecision {
    const now = this.#now();
    const { rpm = 0, tpm = 0, maxParallel = 0 } = limits;
    // Every level first: a refusal carries the headers of every limit the key has.
    const requests = rpm > 0 ? level(this.#requests.get(keyId), rpm, now) : Infinity;
    const available = tpm > 0 ? level(this.#tokens.get(keyId), tpm, now) : Infinity;
    const levels: Levels = {};
    if (rpm > 0) Object.assign(levels, { rpm, requests });
    if (tpm > 0) Object.assign(levels, { tpm, tokens: available });
    const refuse = (limit: RefusedLimit, retryAfterMs: number): LimitDecision => ({
      admitted: false,
      limit,
      retryAfterMs,
      headers: rateLimitHeaders(levels),
    });
    if (requests < 1) return refuse("requests", Math.ceil((1 - requests) / (rpm / 60_000)));
    if (tpm > 0 && tokens > tpm) return refuse("tokens_too_large", 0);
    if (available < tokens) {
      return refuse("tokens", Math.ceil((tokens - available) / (tpm / 60_000)));
    }
    const inUse = this.#slots.get(keyId) ?? 0;
    if (maxParallel > 0 && inUse >= maxParallel) return refuse("parallel", 1000);
    if (rpm > 0) this.#requests.set(keyId, { level: levels.requests = requests - 1, at: now });
    if (tpm > 0) this.#tokens.set(keyId, { level: levels.tokens = available - tokens, at: now });
    const lease: LimitLease = { keyId, limits, reserved: tpm > 0 ? tokens : 0 };
    if (maxParallel > 0) {
      this.#slots.set(keyId, inUse + 1);
      lease.slot = String(++this.#nextSlot);
    }
    return { admitted: true, headers: rateLimitHeaders(levels), lease };
  }

  settle(lease: LimitLease, reported: number): Promise<void> {
    const tpm = lease.limits.tpm ?? 0;
    const actualTokens = validTokens(reported, lease.reserved);
    if (tpm > 0 && lease.reserved !== actualTokens) {
      const now = this.#now();
      const current = level(this.#tokens.get(lease.keyId), tpm, now);
      this.#tokens.set(lease.keyId, {
        level: Math.min(tpm, current + lease.reserved - actualTokens),
        at: now,
      });
    }
    if (lease.slot !== undefined) {
      const inUse = (this.#slots.get(lease.keyId) ?? 1) - 1;
      if (inUse <= 0) this.#slots.delete(lease.keyId);
      else this.#slots.set(lease.keyId, inUse);
    }
    return Promise.resolve();
  }

  close(): void {}
}

/** A bucket of capacity `cap` refilled at `cap` per minute, read at `now`. */
function level(bucket: Bucket | undefined, cap: number, now: number): number {
  if (!bucket) return cap;
  return Math.min(cap, bucket.level + (now - bucket.at) * (cap / 60_000));
}
