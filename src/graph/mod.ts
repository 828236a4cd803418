/**
 * The call graph: every operation call as a node, an edge from its parent
 * call, kept in memory on graphology and persisted in the metagraph tables.
 *
 * ```ts ignore
 * import { CallGraph, createCallGraphStore } from "./mod.ts";
 *
 * const graph = new CallGraph({ pubsub }); // observes call.* on the hub's pubsub
 * const store = await createCallGraphStore({ db: database.db, graph });
 * // GET /api/v1/calls/:requestId
 * const tree = await store.getCall(requestId); // memory first, then the database
 * await store.close(); // final flush
 * await graph.close();
 * ```
 *
 * @module
 */
export { CallGraph, type CallGraphListener, type CallGraphOptions } from "./call_graph.ts";
export {
  type CallGraphStore,
  type CallGraphStoreOptions,
  type CallGraphStoreStats,
  createCallGraphStore,
  type FlushResult,
} from "./call_graph_store.ts";
export {
  CALL_STATUSES,
  type CallRecord,
  CallRecordSchema,
  type CallStatus,
  type CallTree,
  isCallRecord,
  type TreeBounds,
} from "./call_record.ts";
export {
  CALL_GRAPH_TYPE,
  CALL_NODE_TYPE,
  type CallGraphTypeIds,
  CALLS_EDGE_TYPE,
  seedCallGraphTypes,
} from "./call_graph_types.ts";
