import type { Redis } from "ioredis";

// Extends a slot's lease, only while it is still held (XX: a released or
// expired slot is never re-added, which could overfill maxParallel).
const RENEW = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseMs = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'XX', now + leaseMs, ARGV[1])
redis.call('PEXPIRE', KEYS[1], leaseMs)
return 1
`;

type SlotRedis = Redis & {
  llmRenewSlot(key: string, slot: string, leaseMs: number): Promise<number>;
};

/** What a held slot is. */
interface Slot {
  key: string;
  slot: string;
}

/** Options of {@linkcode RedisSlots}. */
export interface RedisSlotsOptions {
  leaseMs: number;
  /** Told of every command that failed, so the connection knows Redis is not answering. */
  failed?: (error: unknown) => void;
  /** True while Redis answers; a release is only retried then. */
  answering?: () => boolean;
}

/**
 * The `maxParallel` slots this hub holds in Redis. A slot's lease is short
 * and renewed every third of it while its request is alive, so a hub that
 * dies frees its slots within one lease; a release that fails (Redis down)
 * is retried with backoff until it lands, or until the lease has run out
 * (the slot is free by then anyway).
 */
export class RedisSlots {
  readonly #redis: SlotRedis;
  readonly #options: RedisSlotsOptions;
  readonly #held = new Map<string, Slot>();
  readonly #closing = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(redis: Redis, options: RedisSlotsOptions) {
    this.#redis = redis as SlotRedis;
    this.#options = options;
    if (!("llmRenewSlot" in redis)) {
      redis.defineCommand("llmRenewSlot", { numberOfKeys: 1, lua: RENEW });
    }
  }

  /** Slots held and renewed now. */
  get held(): number {
    return this.#held.size;
  }

  /** Keeps `slot` of `key` alive until {@linkcode release}. */
  hold(key: string, slot: string): void {
    this.#held.set(slot, { key, slot });
    this.#timer ??= setInterval(() => this.#renew(), Math.max(10, this.#options.leaseMs / 3));
  }

  /** Stops renewing `slot` (its release is the caller's first try). */
  drop(slot: string): void {
    this.#held.delete(slot);
    if (this.#held.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Retries releasing `slot` after a failed release: backoff from 100 ms to
   * 2 s, for at most one lease. Resolves true once it landed.
   */
  async retryRelease(key: string, slot: string): Promise<boolean> {
    const until = performance.now() + this.#options.leaseMs;
    const signal = this.#closing.signal;
    for (let delay = 100; performance.now() < until && !signal.aborted; delay *= 2) {
      await pause(Math.min(delay, 2000), signal);
      if (signal.aborted) break;
      if (this.#options.answering && !this.#options.answering()) continue;
      try {
        await this.#redis.zrem(key, slot);
        return true;
      } catch (error) {
        this.#options.failed?.(error);
      }
    }
    return false;
  }

  /** Stops renewing and retrying (the hub is stopping; the leases run out in Redis). */
  close(): void {
    this.#closing.abort();
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }

  #renew(): void {
    const { leaseMs, failed } = this.#options;
    for (const { key, slot } of this.#held.values()) {
      this.#redis.llmRenewSlot(key, slot, leaseMs).catch((error) => failed?.(error));
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
