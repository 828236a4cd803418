import type { KeyRing, LlmSettings } from "../../config/mod.ts";
import { Catalog } from "../../llm_catalog/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { HubDb } from "../../storage/mod.ts";
import type { ActorSystem } from "../actors/mod.ts";
import { type LlmLimiter, MemoryLimiter } from "./limiter.ts";
import { LlmProxyPool } from "./pool.ts";
import { ProviderStore } from "./providers.ts";
import { RedisLimiter, type RedisLink } from "./redis_limiter.ts";
import { UsageRecorder } from "./usage_recorder.ts";

/** What the gateway is built from. */
export interface LlmGatewayDeps {
  settings: LlmSettings;
  actors: ActorSystem;
  db: HubDb;
  keyRing: KeyRing;
  /** With Redis the limits hold across every hub sharing it. */
  redis?: RedisLink;
}

/** The running LLM gateway: the proxy pool and everything the routes need around it. */
export interface LlmGateway {
  /** The llm-proxy pool; undefined until the catalog has a provider. */
  readonly pool: LlmProxyPool | undefined;
  readonly limiter: LlmLimiter;
  readonly usage: UsageRecorder;
  readonly providers: ProviderStore;
  readonly db: HubDb;
  /** The catalog requests are resolved against now. */
  catalog(): Catalog;
  /** Rebuilds the catalog from config and database and sends it to the pool. */
  reload(): Promise<void>;
  /** Detaches the pool and writes the last usage records (the actors stop with the system). */
  close(): Promise<void>;
}

/**
 * Starts the gateway. The llm-proxy pool starts with the first provider: a
 * hub with none (no `llm` config, nothing added yet) spawns no proxy Worker.
 */
export async function startLlmGateway(deps: LlmGatewayDeps): Promise<LlmGateway> {
  const { settings, db } = deps;
  const log = logger("llm");
  const providers = new ProviderStore(db, deps.keyRing, settings.providers, settings.aliases);
  let catalog = new Catalog(await providers.catalogData());
  for (const alias of catalog.danglingAliases()) {
    log.warn("LLM alias {alias} names a model no provider serves", { alias });
  }
  let pool: LlmProxyPool | undefined;
  let closed = false;
  let reloading: Promise<void> = Promise.resolve();
  const ensurePool = async () => {
    if (pool || closed || catalog.data.providers.length === 0) return;
    pool = await LlmProxyPool.start(deps.actors, settings.poolSize, {
      timeoutMs: settings.timeoutMs,
      cooldownMs: settings.cooldownMs,
    }, catalog.data);
    // close() ran while the pool was starting: it could not close what it did not have yet.
    if (closed) pool.close();
  };
  await ensurePool();
  const usage = new UsageRecorder(db);
  const limiter = deps.redis ? new RedisLimiter(deps.redis) : new MemoryLimiter();
  log.info("LLM gateway ready: {actors} proxy actors, {providers} providers, limits {where}", {
    actors: pool ? settings.poolSize : 0,
    providers: catalog.data.providers.length,
    where: deps.redis ? "in Redis" : "in process",
  });
  return {
    get pool() {
      return pool;
    },
    limiter,
    usage,
    providers,
    db,
    catalog: () => catalog,
    reload() {
      // One at a time: concurrent reloads would each spawn the pool, or apply
      // an older read of the providers after a newer one.
      const run = reloading.then(async () => {
        catalog = new Catalog(await providers.catalogData());
        if (pool) await pool.configure(catalog.data);
        else await ensurePool();
      });
      reloading = run.catch(() => {});
      return run;
    },
    async close() {
      closed = true;
      pool?.close();
      limiter.close();
      await usage.close();
    },
  };
}
