/**
 * The supervisor's side of the LLM gateway: the llm-proxy pool, per-key
 * limits (in-process or one Redis script per check), providers (config file
 * and runtime, keys encrypted at rest), batched usage records and the request
 * flow behind `/v1`.
 *
 * ```ts ignore
 * const gateway = await startLlmGateway({ settings: settings.llm, actors, db, keyRing, redis });
 * const response = await proxyCall(gateway, { requestId, key, endpoint: "chat", body, signal });
 * await gateway.close();
 * ```
 *
 * @module
 */
export { type LlmGateway, type LlmGatewayDeps, startLlmGateway } from "./gateway.ts";
export {
  hasLimits,
  type LimitDecision,
  type LimitLease,
  type LimitRequest,
  type LlmLimiter,
  MemoryLimiter,
  rateLimitHeaders,
  SLOT_LEASE_MS,
  validTokens,
} from "./limiter.ts";
export { LlmProxyPool, type ProxyRequestInput, type ProxySink } from "./pool.ts";
export {
  type ProviderInput,
  ProviderStore,
  type ProviderView,
  validateProvider,
} from "./providers.ts";
export { proxyCall, type ProxyCallInput } from "./proxy_call.ts";
export { openAiErrorResponse } from "./response_bridge.ts";
export { RedisLimiter, type RedisLimiterOptions, type RedisLink } from "./redis_limiter.ts";
export {
  queryUsage,
  type UsageCursor,
  type UsageGroup,
  type UsagePage,
  type UsageQuery,
} from "./usage_query.ts";
export { UsageRecorder, type UsageRecorderOptions } from "./usage_recorder.ts";
