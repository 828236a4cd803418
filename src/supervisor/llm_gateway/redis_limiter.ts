import type { Redis } from "ioredis";
import {
  type LimitDecision,
  type LimitLease,
  type LimitRequest,
  type LlmLimiter,
  rateLimitHeaders,
  SLOT_LEASE_MS,
} from "./limiter.ts";

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

/**
 * The limiter shared by every hub on one Redis: each check-and-consume is one
 * atomic script, so N hubs together admit exactly the limit.
 */
export class RedisLimiter implements LlmLimiter {
  readonly #redis: ScriptRedis;
  readonly #prefix: string;

  /** `prefix` namespaces the keys (tests use a fresh one each). */
  constructor(redis: Redis, prefix = "hub:llm:limits") {
    this.#redis = redis as ScriptRedis;
    this.#prefix = prefix;
    if (!("llmAcquire" in redis)) {
      redis.defineCommand("llmAcquire", { numberOfKeys: 3, lua: ACQUIRE });
      redis.defineCommand("llmSettle", { numberOfKeys: 2, lua: SETTLE });
    }
  }

  async acquire({ keyId, limits, tokens }: LimitRequest): Promise<LimitDecision> {
    const { rpm = 0, tpm = 0, maxParallel = 0 } = limits;
    const slot = maxParallel > 0 ? crypto.randomUUID() : "";
    const [denied, requests, tokenLevel, retry] = await this.#redis.llmAcquire(
      ...this.#keys(keyId),
      rpm,
      tpm,
      maxParallel,
      tokens,
      slot,
      SLOT_LEASE_MS,
    );
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
    if (slot) lease.slot = slot;
    return { admitted: true, headers, lease };
  }

  async settle(lease: LimitLease, actualTokens: number): Promise<void> {
    const tpm = lease.limits.tpm ?? 0;
    const delta = tpm > 0 ? lease.reserved - actualTokens : 0;
    if (delta === 0 && !lease.slot) return;
    const [, tokensKey, slotsKey] = this.#keys(lease.keyId);
    await this.#redis.llmSettle(tokensKey, slotsKey, tpm, delta, lease.slot ?? "");
  }

  #keys(keyId: string): [string, string, string] {
    // One hash tag per key: the three keys share a slot on Redis Cluster.
    const base = `${this.#prefix}:{${keyId}}`;
    return [`${base}:requests`, `${base}:tokens`, `${base}:slots`];
  }
}
