import { and, avg, count, eq, gte, lt, type SQL, sql, sum } from "drizzle-orm";
import { type HubDb, llmUsage } from "../../storage/mod.ts";

/** Filters of a usage query, and which page. */
export interface UsageQuery {
  from: Date;
  to: Date;
  keyId?: string;
  model?: string;
  /** Groups per page. */
  limit: number;
  /** The last group of the previous page: this page starts after it. */
  after?: UsageCursor;
}

/** Where a page of groups ends (its last key and model). */
export interface UsageCursor {
  keyId: string;
  model: string;
}

/** One page of groups, and where the next starts (none after the last). */
export interface UsagePage {
  groups: UsageGroup[];
  next: UsageCursor | null;
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

/**
 * Aggregates usage by key and requested model over `[from, to)`, one page
 * in (key, model) order: a page starts after the cursor's group (keyset
 * paging, so pages stay consistent while new records arrive).
 */
export async function queryUsage(db: HubDb, query: UsageQuery): Promise<UsagePage> {
  const where: SQL[] = [gte(llmUsage.startedAt, query.from), lt(llmUsage.startedAt, query.to)];
  if (query.keyId) where.push(eq(llmUsage.keyId, query.keyId));
  if (query.model) where.push(eq(llmUsage.requestedModel, query.model));
  if (query.after) {
    where.push(
      sql`(${llmUsage.keyId}, ${llmUsage.requestedModel}) > (${query.after.keyId}, ${query.after.model})`,
    );
  }
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
    .orderBy(llmUsage.keyId, llmUsage.requestedModel)
    .limit(query.limit + 1);
  const more = rows.length > query.limit;
  const groups = rows.slice(0, query.limit).map((row) => ({
    keyId: row.keyId,
    model: row.model,
    requests: Number(row.requests),
    errors: Number(row.errors),
    inputTokens: Number(row.inputTokens ?? 0),
    outputTokens: Number(row.outputTokens ?? 0),
    avgLatencyMs: Math.round(Number(row.avgLatencyMs ?? 0) * 100) / 100,
    avgTtfcMs: row.avgTtfcMs === null ? null : Math.round(Number(row.avgTtfcMs) * 100) / 100,
  }));
  const last = groups.at(-1);
  return { groups, next: more && last ? { keyId: last.keyId, model: last.model } : null };
}
