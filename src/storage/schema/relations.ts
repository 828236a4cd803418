/**
 * Drizzle relations, so `db.query.<table>.findMany({ with: ... })` can load
 * related rows in one call. They add no constraints: the tables do that.
 *
 * @module
 */
import { relations } from "drizzle-orm";
import { accounts, apiKeys, organizationMembers, organizations } from "./identity.ts";
import { edges, edgeTypes, graphs, graphTypes, nodes, nodeTypes } from "./metagraph.ts";

export const accountsRelations = relations(accounts, ({ many }) => ({
  memberships: many(organizationMembers),
  apiKeys: many(apiKeys),
}));

export const organizationsRelations = relations(organizations, ({ many }) => ({
  members: many(organizationMembers),
  apiKeys: many(apiKeys),
}));

export const organizationMembersRelations = relations(organizationMembers, ({ one }) => ({
  organization: one(organizations, {
    fields: [organizationMembers.organizationId],
    references: [organizations.id],
  }),
  account: one(accounts, { fields: [organizationMembers.accountId], references: [accounts.id] }),
}));

export const apiKeysRelations = relations(apiKeys, ({ one }) => ({
  account: one(accounts, { fields: [apiKeys.accountId], references: [accounts.id] }),
  organization: one(organizations, {
    fields: [apiKeys.organizationId],
    references: [organizations.id],
  }),
}));

export const graphTypesRelations = relations(graphTypes, ({ many }) => ({
  nodeTypes: many(nodeTypes),
  edgeTypes: many(edgeTypes),
  graphs: many(graphs),
}));

export const nodeTypesRelations = relations(nodeTypes, ({ one }) => ({
  graphType: one(graphTypes, { fields: [nodeTypes.graphTypeId], references: [graphTypes.id] }),
}));

export const edgeTypesRelations = relations(edgeTypes, ({ one }) => ({
  graphType: one(graphTypes, { fields: [edgeTypes.graphTypeId], references: [graphTypes.id] }),
  sourceNodeType: one(nodeTypes, {
    fields: [edgeTypes.sourceNodeTypeId],
    references: [nodeTypes.id],
    relationName: "edge_type_source",
  }),
  targetNodeType: one(nodeTypes, {
    fields: [edgeTypes.targetNodeTypeId],
    references: [nodeTypes.id],
    relationName: "edge_type_target",
  }),
}));

export const graphsRelations = relations(graphs, ({ one, many }) => ({
  graphType: one(graphTypes, { fields: [graphs.graphTypeId], references: [graphTypes.id] }),
  nodes: many(nodes),
  edges: many(edges),
}));

export const nodesRelations = relations(nodes, ({ one, many }) => ({
  graph: one(graphs, { fields: [nodes.graphId], references: [graphs.id] }),
  nodeType: one(nodeTypes, { fields: [nodes.nodeTypeId], references: [nodeTypes.id] }),
  outgoing: many(edges, { relationName: "edge_source" }),
  incoming: many(edges, { relationName: "edge_target" }),
}));

export const edgesRelations = relations(edges, ({ one }) => ({
  graph: one(graphs, { fields: [edges.graphId], references: [graphs.id] }),
  edgeType: one(edgeTypes, { fields: [edges.edgeTypeId], references: [edgeTypes.id] }),
  source: one(nodes, {
    fields: [edges.sourceId],
    references: [nodes.id],
    relationName: "edge_source",
  }),
  target: one(nodes, {
    fields: [edges.targetId],
    references: [nodes.id],
    relationName: "edge_target",
  }),
}));
