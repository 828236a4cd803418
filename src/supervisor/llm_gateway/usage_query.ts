import { and, avg, count, eq, gte, lt, type SQL, sql, sum } from "drizzle-orm";
import { type HubDb, llmUsage } from "../../storage/mod.ts";

/** Filters of a usage query. */
export interface UsageQuery {
  from: Date;
  to: Date;
  keyId?: string;
  model?: string;
}

/** One group of the aggregate. */
export interface UsageGroup {
  keyId: string;
  model: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  avgLatencyMs: number;
  avgTtfcMs: number | null;
}

/** Aggregates usage by key and requested model over `[from, to)`. */
export async function queryUsage(db: HubDb, query: UsageQuery): Promise<UsageGroup[]> {
  const where: SQL[] = [gte(llmUsage.startedAt, query.from), lt(llmUsage.startedAt, query.to)];
  if (query.keyId) where.push(eq(llmUsage.keyId, query.keyId));
  if (query.model) where.push(eq(llmUsage.requestedModel, query.model));
  const rows = await db.select({
    keyId: llmUsage.keyId,
    model: llmUsage.requestedModel,
    requests: count(),
    errors: sql<number>`count(*) filter (where ${llmUsage.errorCode} is not null)`,
    inputTokens: sum(llmUsage.inputTokens),
    outputTokens: sum(llmUsage.outputTokens),
    avgLatencyMs: avg(llmUsage.latencyMs),
    avgTtfcMs: avg(llmUsage.ttfcMs),
  }).from(llmUsage).where(and(...where))
    .groupBy(llmUsage.keyId, llmUsage.requestedModel)
    .orderBy(llmUsage.keyId, llmUsage.requestedModel);
  return rows.map((row) => ({
    keyId: row.keyId,
    model: row.model,
    requests: Number(row.requests),
    errors: Number(row.errors),
    inputTokens: Number(row.inputTokens ?? 0),
    outputTokens: Number(row.outputTokens ?? 0),
    avgLatencyMs: Math.round(Number(row.avgLatencyMs ?? 0) * 100) / 100,
    avgTtfcMs: row.avgTtfcMs === null ? null : Math.round(Number(row.avgTtfcMs) * 100) / 100,
  }));
}
