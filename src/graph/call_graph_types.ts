/**
 * The system graph type `call-graph` (node type `call`, edge type `calls`) in
 * the metagraph tables, and the one graph of that type every call is a node of. Seeding is idempotent and safe when several hubs
 * start at once: every insert is `ON CONFLICT DO NOTHING` on the natural key,
 * and the ids are read back afterwards, whichever hub inserted them.
 *
 * @module
 */
import { and, eq } from "drizzle-orm";
import { toJsonSchema } from "@alkdev/operations";
import { edgeTypes, graphs, graphTypes, type HubDb, nodeTypes } from "../storage/mod.ts";
import { CallRecordSchema } from "./call_record.ts";

/** Names in the metagraph. */
export const CALL_GRAPH_TYPE = "call-graph";
export const CALL_NODE_TYPE = "call";
export const CALLS_EDGE_TYPE = "calls";

/** The id of the graph holding every call. */
export const CALL_GRAPH_ID = "call-graph";

/** The ids the store writes with. */
export interface CallGraphTypeIds {
  graphTypeId: string;
  graphId: string;
  nodeTypeId: string;
  edgeTypeId: string;
}

/** Ensures the call-graph types exist; returns their ids. */
export async function seedCallGraphTypes(db: HubDb): Promise<CallGraphTypeIds> {
  await db.insert(graphTypes).values({
    name: CALL_GRAPH_TYPE,
    description: "Operation calls (nodes) and parent → child calls (edges)",
    scope: "system",
    config: { type: "directed", multi: false, allowSelfLoops: false },
  }).onConflictDoNothing({ target: graphTypes.name });
  const [graphType] = await db.select({ id: graphTypes.id }).from(graphTypes)
    .where(eq(graphTypes.name, CALL_GRAPH_TYPE));

  await db.insert(nodeTypes).values({
    graphTypeId: graphType.id,
    name: CALL_NODE_TYPE,
    description: "One operation call",
    schema: toJsonSchema(CallRecordSchema) as Record<string, unknown>,
  }).onConflictDoNothing({ target: [nodeTypes.graphTypeId, nodeTypes.name] });
  const [nodeType] = await db.select({ id: nodeTypes.id }).from(nodeTypes)
    .where(and(eq(nodeTypes.graphTypeId, graphType.id), eq(nodeTypes.name, CALL_NODE_TYPE)));

  await db.insert(edgeTypes).values({
    graphTypeId: graphType.id,
    name: CALLS_EDGE_TYPE,
    description: "The source call made the target call",
    sourceNodeTypeId: nodeType.id,
    targetNodeTypeId: nodeType.id,
  }).onConflictDoNothing({ target: [edgeTypes.graphTypeId, edgeTypes.name] });
  const [edgeType] = await db.select({ id: edgeTypes.id }).from(edgeTypes)
    .where(and(eq(edgeTypes.graphTypeId, graphType.id), eq(edgeTypes.name, CALLS_EDGE_TYPE)));

  await db.insert(graphs).values({
    id: CALL_GRAPH_ID,
    graphTypeId: graphType.id,
    name: "calls",
  }).onConflictDoNothing({ target: graphs.id });

  return {
    graphTypeId: graphType.id,
    graphId: CALL_GRAPH_ID,
    nodeTypeId: nodeType.id,
    edgeTypeId: edgeType.id,
  };
}

/** Row ids derive from request ids, so every hub writing the same call hits the same row. */
export const callNodeId = (requestId: string): string => `call:${requestId}`;
/** The edge into a call (a call has one parent). */
export const callEdgeId = (childRequestId: string): string => `calls:${childRequestId}`;
