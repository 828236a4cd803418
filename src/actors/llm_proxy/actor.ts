import { Catalog, type CatalogData, llmError } from "../../llm_catalog/mod.ts";
import { Balancer } from "./balancer.ts";
import { emptySummary, type FromActor, type LlmProxyOptions, type ToActor } from "./protocol.ts";
import { ProxyRun, type ProxyRunContext, serialize } from "./proxy_run.ts";
import { messageOf } from "./upstream.ts";

/** What the proxy needs from its surroundings; injected so tests run it in-process. */
export interface LlmProxyPorts {
  options: LlmProxyOptions;
  /** Sends on the data port (transferring `transfer`). */
  post(message: FromActor, transfer?: Transferable[]): void;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The proxy's behaviour: handles data-port messages, given a catalog. */
export interface LlmProxy {
  handle(message: ToActor): void;
  configure(catalog: CatalogData): void;
  stats(): { inFlight: number; coolingDown: string[] };
  /** Aborts every request in flight (the actor is stopping). */
  abortAll(): void;
}

/**
 * Creates the proxy logic of one llm-proxy actor: one {@linkcode ProxyRun}
 * per request, against the catalog of the moment it arrives.
 */
export function createLlmProxy(ports: LlmProxyPorts): LlmProxy {
  const now = ports.now ?? performance.now.bind(performance);
  const ctx: ProxyRunContext = {
    balancer: new Balancer(ports.options.cooldownMs, now),
    timeoutMs: ports.options.timeoutMs,
    fetch: ports.fetch ?? fetch,
    now,
    post: (message, transfer) => ports.post(message, transfer),
  };
  const inFlight = new Map<number, AbortController>();
  let catalog = new Catalog({ providers: [], aliases: {} });

  return {
    handle(message) {
      if (message.t === "abort") {
        inFlight.get(message.id)?.abort(
          new DOMException("Client closed the request", "AbortError"),
        );
        return;
      }
      const client = new AbortController();
      inFlight.set(message.id, client);
      const allowed = new Set(message.allowed);
      const candidates = catalog.resolve(message.model)?.deployments
        .filter((d) => allowed.has(d.id)) ?? [];
      new ProxyRun(ctx, message, client.signal).run(candidates)
        .catch((error) => {
          const failure = llmError("internal", `Cannot proxy request: ${messageOf(error)}`);
          ctx.post({
            t: "fail",
            id: message.id,
            error: serialize(failure),
            summary: emptySummary({ estimated: true, errorCode: "internal" }),
          });
        })
        .finally(() => inFlight.delete(message.id));
    },
    configure(data) {
      catalog = new Catalog(data);
    },
    stats: () => ({ inFlight: inFlight.size, coolingDown: ctx.balancer.coolingDown() }),
    abortAll() {
      for (const controller of inFlight.values()) {
        controller.abort(new DOMException("Actor is stopping", "AbortError"));
      }
    },
  };
}
