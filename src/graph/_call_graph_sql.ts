/**
 * The statements of a call-graph flush and of a subtree load. Each flush
 * writes nodes, then edges, in multi-row statements of at most `maxRows` rows.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { edges, type HubDb, nodes } from "../storage/mod.ts";
import { type CallRecord, isCallRecord } from "./call_record.ts";
import { callEdgeId, type CallGraphTypeIds, callNodeId } from "./call_graph_types.ts";

type HubTx = Parameters<Parameters<HubDb["transaction"]>[0]>[0];

/** A parent → child link waiting to be written. */
export interface PendingEdge {
  parentRequestId: string;
  childRequestId: string;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes one batch, one transaction per chunk of at most `maxRows` calls,
 * yielding to the event loop between chunks so that requests are not stalled
 * behind a long flush (PGlite runs its inserts on this thread). Returns the
 * number of statements. Upserts are idempotent, so a failed chunk is simply
 * written again by the retry.
 */
export async function writeBatch(
  db: HubDb,
  ids: CallGraphTypeIds,
  calls: readonly CallRecord[],
  links: readonly PendingEdge[],
  maxRows: number,
): Promise<number> {
  let statements = 0;
  const transaction = async (work: (tx: HubTx) => Promise<void>) => {
    if (statements > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    await db.transaction(work);
  };
  // Each chunk travels as ONE jsonb parameter unpacked by jsonb_to_recordset:
  // building thousands of bind parameters in drizzle cost more main-thread
  // time than the database spent inserting the rows.
  for (const chunk of chunks(calls, maxRows)) {
    const rows = chunk.map((call) => ({
      id: callNodeId(call.requestId),
      key: call.requestId,
      attributes: call,
    }));
    // Final states are sticky: a hub that saw less must not turn "ok" back into "running".
    await transaction(async (tx) => {
      await tx.execute(sql`
        insert into ${nodes} (id, graph_id, node_type_id, key, attributes)
        select r.id, ${ids.graphId}, ${ids.nodeTypeId}, r.key, r.attributes
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r(id text, key text, attributes jsonb)
        on conflict (id) do update set attributes = excluded.attributes, updated_at = now()
        where ${nodes}.attributes->>'status' = 'running'`);
    });
    statements += 1;
  }
  for (const chunk of chunks(links, maxRows)) {
    const rows = chunk.map((link) => ({
      id: callEdgeId(link.childRequestId),
      source_id: callNodeId(link.parentRequestId),
      target_id: callNodeId(link.childRequestId),
      key: link.childRequestId,
    }));
    // Joined on both nodes: a link whose parent was never stored is skipped
    // instead of failing the whole batch.
    await transaction(async (tx) => {
      await tx.execute(sql`
        insert into ${edges} (id, graph_id, edge_type_id, source_id, target_id, key)
        select v.id, s.graph_id, ${ids.edgeTypeId}, s.id, t.id, v.key
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as v(id text, source_id text, target_id text, key text)
        join ${nodes} s on s.id = v.source_id
        join ${nodes} t on t.id = v.target_id and t.graph_id = s.graph_id
        on conflict do nothing`);
    });
    statements += 1;
  }
  return statements;
}

/**
 * Reads the calls under `requestId`, breadth-first, at most `limit` rows and
 * `maxDepth` levels. Rows that are not valid call records are skipped.
 */
export async function readSubtree(
  db: HubDb,
  ids: CallGraphTypeIds,
  requestId: string,
  options: { maxDepth: number; limit: number },
): Promise<CallRecord[]> {
  const result = await db.execute<{ attributes: unknown }>(sql`
    with recursive sub(id, depth) as (
      select n.id, 0 from ${nodes} n
      where n.id = ${callNodeId(requestId)} and n.node_type_id = ${ids.nodeTypeId}
      union all
      select e.target_id, sub.depth + 1 from sub
      join ${edges} e on e.source_id = sub.id and e.edge_type_id = ${ids.edgeTypeId}
      where sub.depth < ${options.maxDepth}
    )
    select n.attributes from (select id from sub limit ${options.limit}) s
    join ${nodes} n on n.id = s.id`);
  return result.rows.map((row) => row.attributes).filter(isCallRecord);
}
