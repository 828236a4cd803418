/**
 * The hub's one drizzle pg-core schema, used by PGlite and PostgreSQL alike.
 *
 * @module
 */
export {
  ACCOUNT_KINDS,
  accounts,
  apiKeys,
  auditLogs,
  MEMBER_ROLES,
  organizationMembers,
  organizations,
} from "./identity.ts";
export type {
  Account,
  ApiKey,
  ApiKeyLimits,
  AuditLog,
  NewAccount,
  NewApiKey,
  NewAuditLog,
  NewOrganization,
  NewOrganizationMember,
  Organization,
  OrganizationMember,
} from "./identity.ts";
export {
  edges,
  edgeTypes,
  GRAPH_TYPE_SCOPES,
  graphs,
  graphTypes,
  nodes,
  nodeTypes,
} from "./metagraph.ts";
export type {
  EdgeType,
  Graph,
  GraphEdge,
  GraphNode,
  GraphType,
  GraphTypeConfig,
  GraphTypeScope,
  NewEdgeType,
  NewGraph,
  NewGraphEdge,
  NewGraphNode,
  NewGraphType,
  NewNodeType,
  NodeType,
} from "./metagraph.ts";
export { llmProviders, llmUsage } from "./llm.ts";
export type { LlmProviderRow, LlmUsageRow, NewLlmProviderRow, NewLlmUsageRow } from "./llm.ts";
export {
  accountsRelations,
  apiKeysRelations,
  edgesRelations,
  edgeTypesRelations,
  graphsRelations,
  graphTypesRelations,
  nodesRelations,
  nodeTypesRelations,
  organizationMembersRelations,
  organizationsRelations,
} from "./relations.ts";
