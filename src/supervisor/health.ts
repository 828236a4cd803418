import { VERSION } from "../version.ts";
import type { ActorState, ActorSystem } from "./actors/mod.ts";
import type { RedisConnection, Storage } from "./startup/services.ts";
import type { StartupStep } from "./startup/steps.ts";

/** The body of `GET /health`. */
export interface HealthReport {
  status: "ok" | "starting" | "degraded" | "stopping";
  /** The startup step running now, while `starting`. */
  step?: StartupStep;
  version: string;
  uptimeMs: number;
  /** What is wrong, while `degraded`. */
  issues?: string[];
  database?: { driver: string; ok: boolean };
  redis?: { ok: boolean; status: string };
  /** Per-actor state, without `lastError` (public): `hub.status` has it. */
  actors: ActorState[];
}

/** What the health report is built from. */
export interface HealthSources {
  phase: "starting" | "running" | "stopping";
  step: StartupStep;
  startedAt: number;
  storage?: Storage;
  redis?: RedisConnection;
  actors?: ActorSystem;
  /** The LLM gateway: a stored provider whose key cannot be decrypted degrades the hub. */
  llm?: { providers: { disabled(): Array<{ name: string; reason: string }> } };
}

/**
 * Builds the report: `degraded` when the database, Redis or an actor that
 * exhausted its restarts is down, or an LLM provider is disabled.
 */
export async function buildHealth(sources: HealthSources): Promise<HealthReport> {
  const report: HealthReport = {
    status: "ok",
    version: VERSION,
    uptimeMs: Math.round(performance.now() - sources.startedAt),
    actors: (sources.actors?.snapshot() ?? []).map(publicActorState),
  };
  if (sources.phase === "starting") return { ...report, status: "starting", step: sources.step };
  if (sources.phase === "stopping") return { ...report, status: "stopping" };
  const issues: string[] = [];
  if (sources.storage) {
    const ok = await sources.storage.probe();
    report.database = { driver: sources.storage.database.driver, ok };
    if (!ok) issues.push("database: not answering");
  }
  if (sources.redis) {
    // Not only the socket: a connected Redis that stopped answering is `not answering`.
    report.redis = sources.redis.health();
    if (!report.redis.ok) issues.push(`redis: ${report.redis.status}`);
  }
  for (const { name, reason } of sources.llm?.providers.disabled() ?? []) {
    issues.push(`llm provider "${name}": disabled, its API key ${reason}`);
  }
  for (const id of sources.actors?.failed() ?? []) {
    issues.push(`actor ${id}: failed (restart limit reached)`);
  }
  return issues.length > 0 ? { ...report, status: "degraded", issues } : report;
}

// A worker's failure text may quote internals (paths, upstream answers); the
// public report says only that an actor is down, `hub.status` (a key) says why.
function publicActorState({ lastError: _, ...state }: ActorState): ActorState {
  return state;
}

/** Pings a dependency at most once per `ttlMs`, so a burst of health checks costs one ping. */
export function cachedProbe(
  ping: () => Promise<void>,
  ttlMs = 1000,
  timeoutMs = 2000,
): () => Promise<boolean> {
  let checkedAt = -Infinity;
  let last: Promise<boolean> = Promise.resolve(true);
  return () => {
    const now = performance.now();
    if (now - checkedAt < ttlMs) return last;
    checkedAt = now;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) =>
      timer = setTimeout(() => resolve(false), timeoutMs)
    );
    last = Promise.race([ping().then(() => true, () => false), timeout]).finally(() =>
      clearTimeout(timer)
    );
    return last;
  };
}
