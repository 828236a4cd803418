import type { Redis } from "ioredis";
import { HubError } from "@hub/errors";
import {
  type LimitDecision,
  type LimitLease,
  type LimitRequest,
  type LlmLimiter,
  rateLimitHeaders,
  SLOT_LEASE_MS,
  validTokens,
} from "./limiter.ts";
import { RedisSlots } from "./redis_slots.ts";

// One script per check-and-consume: every limit is checked before any is
// consumed, so a refusal by one takes nothing from the others. Redis' own
// clock (TIME) keeps hubs with skewed clocks in agreement.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, maxp = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cost, leaseMs = tonumber(ARGV[4]), tonumber(ARGV[6])
local function level(key, cap)
  local v = redis.call('HMGET', key, 'n', 't')
  local n, ts = tonumber(v[1]), tonumber(v[2])
  if n == nil then return cap end
  n = n + (now - ts) * cap / 60000
  if n > cap then n = cap end
  return n
end
local rn, tn, pn = 0, 0, 0
local denied, retry = '', 0
-- Every level first: a refusal carries the headers of every limit the key has.
if rpm > 0 then rn = level(KEYS[1], rpm) end
if tpm > 0 then tn = level(KEYS[2], tpm) end
if rpm > 0 then
  if rn < 1 then denied = 'requests'; retry = math.ceil((1 - rn) * 60000 / rpm) end
end
if denied == '' and tpm > 0 then
  if cost > tpm then denied = 'tokens_too_large'
  elseif tn < cost then denied = 'tokens'; retry = math.ceil((cost - tn) * 60000 / tpm) end
end
if denied == '' and maxp > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  pn = redis.call('ZCARD', KEYS[3])
  if pn >= maxp then denied = 'parallel'; retry = 1000 end
end
if denied == '' then
  if rpm > 0 then
    rn = rn - 1
    redis.call('HSET', KEYS[1], 'n', tostring(rn), 't', now)
    redis.call('PEXPIRE', KEYS[1], math.ceil((rpm - rn) * 60000 / rpm) + 1000)
  end
  if tpm > 0 then
    tn = tn - cost
    redis.call('HSET', KEYS[2], 'n', tostring(tn), 't', now)
    redis.call('PEXPIRE', KEYS[2], math.ceil((tpm - tn) * 60000 / tpm) + 1000)
  end
  if maxp > 0 then
    redis.call('ZADD', KEYS[3], now + leaseMs, ARGV[5])
    redis.call('PEXPIRE', KEYS[3], leaseMs)
  end
end
return {denied, tostring(rn), tostring(tn), retry}
`;

const SETTLE = `
local tpm, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
if tpm > 0 and delta ~= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local v = redis.call('HMGET', KEYS[1], 'n', 't')
  local n, ts = tonumber(v[1]), tonumber(v[2])
  if n == nil then n, ts = tpm, now end
  n = n + (now - ts) * tpm / 60000 + delta
  if n > tpm then n = tpm end
  redis.call('HSET', KEYS[1], 'n', tostring(n), 't', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((tpm - n) * 60000 / tpm) + 1000)
end
if ARGV[3] ~= '' then redis.call('ZREM', KEYS[2], ARGV[3]) end
return 1
`;

type ScriptRedis = Redis & {
  llmAcquire(...args: (string | number)[]): Promise<[string, string, string, number]>;
  llmSettle(...args: (string | number)[]): Promise<number>;
};

/** A Redis connection that knows whether Redis answers (the hub's `RedisConnection`). */
export interface RedisLink {
  readonly client: Redis;
  /** False while Redis is known not to answer: limits are refused at once then. */
  answering(): boolean;
  /** Told of every command that failed, so the link stops sending until Redis answers again. */
  failed(error: unknown): void;
}

/** Options of {@linkcode RedisLimiter}. */
export interface RedisLimiterOptions {
  /** Namespaces the keys (tests use a fresh one each). */
  prefix?: string;
  /** A `maxParallel` slot's lease, renewed while its request is alive (default 30 s). */
  slotLeaseMs?: number;
}

/**
 * The limiter shared by every hub on one Redis: each check-and-consume is one
 * atomic script, so N hubs together admit exactly the limit. While Redis is
 * known not to answer, a check fails at once (the caller refuses the request)
 * instead of waiting for a command to time out.
 */
export class RedisLimiter implements LlmLimiter {
  readonly #redis: ScriptRedis;
  readonly #link: RedisLink | undefined;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #slots: RedisSlots;

  constructor(redis: Redis | RedisLink, options: RedisLimiterOptions = {}) {
    this.#link = "answering" in redis ? redis : undefined;
    const client = "answering" in redis ? redis.client : redis;
    this.#redis = client as ScriptRedis;
    this.#prefix = options.prefix ?? "hub:llm:limits";
    this.#leaseMs = options.slotLeaseMs ?? SLOT_LEASE_MS;
    this.#slots = new RedisSlots(client, {
      leaseMs: this.#leaseMs,
      failed: (error) => this.#link?.failed(error),
      answering: this.#link && (() => this.#link!.answering()),
    });
    if (!("llmAcquire" in client)) {
      client.defineCommand("llmAcquire", { numberOfKeys: 3, lua: ACQUIRE });
      client.defineCommand("llmSettle", { numberOfKeys: 2, lua: SETTLE });
    }
  }

  /** `maxParallel` slots this hub holds (and renews) now. */
  get slotsHeld(): number {
    return this.#slots.held;
  }

  async acquire({ keyId, limits, tokens }: LimitRequest): Promise<LimitDecision> {
    if (this.#link && !this.#link.answering()) {
      throw new HubError("unavailable", "Cannot check rate limits: Redis is not answering");
    }
    const { rpm = 0, tpm = 0, maxParallel = 0 } = limits;
    const slot = maxParallel > 0 ? crypto.randomUUID() : "";
    const keys = this.#keys(keyId);
    let reply: [string, string, string, number];
    try {
      reply = await this.#redis.llmAcquire(
        ...keys,
        rpm,
        tpm,
        maxParallel,
        tokens,
        slot,
        this.#leaseMs,
      );
    } catch (error) {
      this.#link?.failed(error);
      // The script may still have run (a reply lost, a timeout): give its slot back.
      if (slot) void this.#slots.retryRelease(keys[2], slot);
      throw error;
    }
    const [denied, requests, tokenLevel, retry] = reply;
    const headers = rateLimitHeaders({
      rpm: rpm || undefined,
      requests: rpm > 0 ? Number(requests) : undefined,
      tpm: tpm || undefined,
      tokens: tpm > 0 ? Number(tokenLevel) : undefined,
    });
    if (denied !== "") {
      return {
        admitted: false,
        limit: denied as "requests" | "tokens" | "tokens_too_large" | "parallel",
        retryAfterMs: Number(retry),
        headers,
      };
    }
    const lease: LimitLease = { keyId, limits, reserved: tpm > 0 ? tokens : 0 };
    if (slot) {
      lease.slot = slot;
      this.#slots.hold(keys[2], slot);
    }
    return { admitted: true, headers, lease };
  }

  /**
   * Settles the tokens and frees the slot in one script. If that fails, the
   * slot's release alone is retried until it lands (resolving then); the
   * token correction is not retried, as it may have landed already.
   */
  async settle(lease: LimitLease, actualTokens: number): Promise<void> {
    const tpm = lease.limits.tpm ?? 0;
    const delta = tpm > 0 ? lease.reserved - validTokens(actualTokens, lease.reserved) : 0;
    if (lease.slot) this.#slots.drop(lease.slot);
    if (delta === 0 && !lease.slot) return;
    const [, tokensKey, slotsKey] = this.#keys(lease.keyId);
    try {
      await this.#redis.llmSettle(tokensKey, slotsKey, tpm, delta, lease.slot ?? "");
    } catch (error) {
      this.#link?.failed(error);
      if (!lease.slot) throw error;
      if (!await this.#slots.retryRelease(slotsKey, lease.slot)) throw error;
    }
  }

  close(): void {
    this.#slots.close();
  }

  #keys(keyId: string): [string, string, string] {
    // One hash tag per key: the three keys share a slot on Redis Cluster.
    const base = `${this.#prefix}:{${keyId}}`;
    return [`${base}:requests`, `${base}:tokens`, `${base}:slots`];
  }
}
