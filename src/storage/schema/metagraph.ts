/**
 * Metagraph tables: graph types define node and edge types; graphs are
 * instances of a graph type holding nodes and edges. Attribute schemas are
 * stored as JSON Schema and enforced by the code that writes, not by SQL.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
} from "drizzle-orm/pg-core";
import { commonColumns, jsonObject } from "./common.ts";

/** Who may change a graph type: seeding only, org admins, or the user who made it. */
export const GRAPH_TYPE_SCOPES = ["system", "tenant", "user"] as const;
/** A graph type's scope. */
export type GraphTypeScope = typeof GRAPH_TYPE_SCOPES[number];

/** Structural rules of a graph type, in graphology's option names. */
export interface GraphTypeConfig {
  type: "directed" | "undirected" | "mixed";
  multi: boolean;
  allowSelfLoops: boolean;
}

const DEFAULT_GRAPH_CONFIG: GraphTypeConfig = {
  type: "directed",
  multi: false,
  allowSelfLoops: true,
};

/** A class of graphs ("call-graph", "acl") with its structural rules and schema. */
export const graphTypes = pgTable("graph_types", {
  ...commonColumns(),
  name: text("name").notNull().unique(),
  description: text("description"),
  scope: text("scope", { enum: GRAPH_TYPE_SCOPES }).notNull().default("tenant"),
  /** Account that created a `user`-scoped type; logical reference, checked by the caller. */
  ownerId: text("owner_id"),
  config: jsonb("config").$type<GraphTypeConfig>().notNull().default(DEFAULT_GRAPH_CONFIG),
  schema: jsonObject("schema"),
  version: integer("version").notNull().default(1),
}, (t) => [
  check("graph_types_scope_check", sql`${t.scope} in ('system', 'tenant', 'user')`),
  check("graph_types_version_check", sql`${t.version} >= 1`),
]);

/** A kind of node within a graph type, with the schema of its attributes. */
export const nodeTypes = pgTable("node_types", {
  ...commonColumns(),
  graphTypeId: text("graph_type_id").notNull()
    .references(() => graphTypes.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  description: text("description"),
  schema: jsonObject("schema"),
}, (t) => [unique("node_types_graph_type_name_unique").on(t.graphTypeId, t.name)]);

/**
 * A kind of edge within a graph type. A null source/target node type means any
 * node type; a set one cannot be deleted while an edge type names it.
 */
export const edgeTypes = pgTable("edge_types", {
  ...commonColumns(),
  graphTypeId: text("graph_type_id").notNull()
    .references(() => graphTypes.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  description: text("description"),
  schema: jsonObject("schema"),
  sourceNodeTypeId: text("source_node_type_id").references(() => nodeTypes.id),
  targetNodeTypeId: text("target_node_type_id").references(() => nodeTypes.id),
}, (t) => [unique("edge_types_graph_type_name_unique").on(t.graphTypeId, t.name)]);

/**
 * A graph instance. Its type cannot be deleted while it exists. `ownerId` and
 * `projectId` scope it for access checks; they are logical references.
 */
export const graphs = pgTable("graphs", {
  ...commonColumns(),
  graphTypeId: text("graph_type_id").notNull().references(() => graphTypes.id),
  name: text("name"),
  ownerId: text("owner_id"),
  projectId: text("project_id"),
  attributes: jsonObject("attributes"),
}, (t) => [
  index("graphs_graph_type_idx").on(t.graphTypeId),
  index("graphs_owner_idx").on(t.ownerId),
  index("graphs_project_idx").on(t.projectId),
]);

/** A node of a graph, addressed by a key unique within its graph. */
export const nodes = pgTable("nodes", {
  ...commonColumns(),
  graphId: text("graph_id").notNull().references(() => graphs.id, { onDelete: "cascade" }),
  nodeTypeId: text("node_type_id").notNull().references(() => nodeTypes.id),
  key: text("key").notNull(),
  attributes: jsonObject("attributes"),
}, (t) => [
  unique("nodes_graph_key_unique").on(t.graphId, t.key),
  // Target of the edges' (node, graph) foreign keys, which keep edges inside one graph.
  unique("nodes_id_graph_unique").on(t.id, t.graphId),
  // The (graph_id, key) unique index already serves lookups by graph alone.
  index("nodes_graph_type_idx").on(t.graphId, t.nodeTypeId),
  index("nodes_node_type_idx").on(t.nodeTypeId),
]);

/**
 * An edge between two nodes of its own graph: the (node, graph) foreign keys
 * make a cross-graph edge impossible, and removing either node removes it.
 */
export const edges = pgTable("edges", {
  ...commonColumns(),
  graphId: text("graph_id").notNull().references(() => graphs.id, { onDelete: "cascade" }),
  edgeTypeId: text("edge_type_id").notNull().references(() => edgeTypes.id),
  sourceId: text("source_id").notNull(),
  targetId: text("target_id").notNull(),
  /** Optional caller-chosen key; unique within the graph when set (NULLs never collide). */
  key: text("key"),
  attributes: jsonObject("attributes"),
}, (t) => [
  unique("edges_graph_key_unique").on(t.graphId, t.key),
  foreignKey({
    name: "edges_source_fk",
    columns: [t.sourceId, t.graphId],
    foreignColumns: [nodes.id, nodes.graphId],
  }).onDelete("cascade"),
  foreignKey({
    name: "edges_target_fk",
    columns: [t.targetId, t.graphId],
    foreignColumns: [nodes.id, nodes.graphId],
  }).onDelete("cascade"),
  // Node first: the same index serves "edges from X in graph G" and the
  // cascade lookup when a node is deleted. The key index covers "by graph".
  index("edges_source_graph_idx").on(t.sourceId, t.graphId),
  index("edges_target_graph_idx").on(t.targetId, t.graphId),
  index("edges_edge_type_idx").on(t.edgeTypeId),
]);

/** A row of {@linkcode graphTypes}. */
export type GraphType = typeof graphTypes.$inferSelect;
/** Insert shape of {@linkcode graphTypes}. */
export type NewGraphType = typeof graphTypes.$inferInsert;
/** A row of {@linkcode nodeTypes}. */
export type NodeType = typeof nodeTypes.$inferSelect;
/** Insert shape of {@linkcode nodeTypes}. */
export type NewNodeType = typeof nodeTypes.$inferInsert;
/** A row of {@linkcode edgeTypes}. */
export type EdgeType = typeof edgeTypes.$inferSelect;
/** Insert shape of {@linkcode edgeTypes}. */
export type NewEdgeType = typeof edgeTypes.$inferInsert;
/** A row of {@linkcode graphs}. */
export type Graph = typeof graphs.$inferSelect;
/** Insert shape of {@linkcode graphs}. */
export type NewGraph = typeof graphs.$inferInsert;
/** A row of {@linkcode nodes}. */
export type GraphNode = typeof nodes.$inferSelect;
/** Insert shape of {@linkcode nodes}. */
export type NewGraphNode = typeof nodes.$inferInsert;
/** A row of {@linkcode edges}. */
export type GraphEdge = typeof edges.$inferSelect;
/** Insert shape of {@linkcode edges}. */
export type NewGraphEdge = typeof edges.$inferInsert;
