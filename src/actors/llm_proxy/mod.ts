/**
 * The llm-proxy actor: resolves a model to its deployments, calls the
 * upstream with `fetch` (weighted order, fallback, cooldown) and streams the
 * answer back over its data port. The supervisor runs a pool of them (see
 * `src/supervisor/llm_gateway/`).
 *
 * ```ts ignore
 * const handle = await system.start(llmProxyActor(0, { timeoutMs: 60_000, cooldownMs: 30_000 }));
 * await handle.api.configure({ providers: [...], aliases: {} });
 * ```
 *
 * @module
 */
import type { ActorDefinition, ActorRef } from "../kit.ts";
import type { LlmProxyApi, LlmProxyOptions } from "./protocol.ts";

export { createLlmProxy, type LlmProxy, type LlmProxyPorts } from "./actor.ts";
export { Balancer } from "./balancer.ts";
export { SseFilter, type UpstreamUsage } from "./sse_filter.ts";
export { emptySummary } from "./protocol.ts";
export type {
  FromActor,
  LlmEndpoint,
  LlmProxyApi,
  LlmProxyOptions,
  ProxyAbort,
  ProxyChunk,
  ProxyEnd,
  ProxyFailure,
  ProxyHead,
  ProxyRequest,
  ProxyResponse,
  ProxySummary,
  ToActor,
} from "./protocol.ts";

/** A handle on one llm-proxy actor of the pool. */
export type LlmProxyHandle = ActorRef<LlmProxyApi>;

/** The definition of pool member `index` (`llm-proxy-<index>`). */
export function llmProxyActor(
  index: number,
  options: LlmProxyOptions,
): ActorDefinition<LlmProxyApi> {
  return {
    kind: "llm-proxy",
    id: `llm-proxy-${index}`,
    entry: new URL("../../workers/llm_proxy.ts", import.meta.url),
    options,
  };
}
