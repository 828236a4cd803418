/**
 * Storage: the drizzle pg-core schema, its migrations, and a database factory
 * that opens embedded PGlite (default) or PostgreSQL behind one drizzle type.
 *
 * ```ts
 * import { accounts, openDatabase, runMigrations } from "./mod.ts";
 *
 * const database = await openDatabase({ dataDir: "./.hub" }); // or { url: "postgres://…" }
 * try {
 *   await runMigrations(database);
 *   await database.db.insert(accounts).values({ name: "Ada" });
 *   const rows = await database.db.select().from(accounts);
 *   console.log(rows.length);
 * } finally {
 *   await database.close(); // also releases <dataDir>/hub.lock
 * }
 * ```
 *
 * @module
 */
export { openDatabase } from "./database.ts";
export type {
  Database,
  Driver,
  HubDb,
  HubQueryResultHKT,
  HubRows,
  HubSchema,
  OpenDatabaseOptions,
} from "./database.ts";
export { acquireDataDirLock, heldDataDirLock, LOCK_FILE_NAME } from "./data_dir_lock.ts";
export type { DataDirLock, LockHolder } from "./data_dir_lock.ts";
export { MIGRATIONS_FOLDER, runMigrations } from "./migrate.ts";
export {
  databaseUnavailable,
  isDatabaseUnavailable,
  isForeignKeyViolation,
  isUniqueViolation,
  SQLSTATE,
  sqlStateOf,
} from "./errors.ts";
export { describeUrl } from "./describe_url.ts";
export {
  ACCOUNT_KINDS,
  accounts,
  apiKeys,
  auditLogs,
  MEMBER_ROLES,
  organizationMembers,
  organizations,
} from "./schema/mod.ts";
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
} from "./schema/mod.ts";
export {
  edges,
  edgeTypes,
  GRAPH_TYPE_SCOPES,
  graphs,
  graphTypes,
  nodes,
  nodeTypes,
} from "./schema/mod.ts";
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
} from "./schema/mod.ts";
export { llmProviders, llmUsage } from "./schema/mod.ts";
export type {
  LlmProviderRow,
  LlmUsageRow,
  NewLlmProviderRow,
  NewLlmUsageRow,
} from "./schema/mod.ts";
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
} from "./schema/mod.ts";
