/**
 * Identity tables: who can call the hub (accounts, organizations, API keys)
 * and what they did (audit log).
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { commonColumns, createdAtColumn, idColumn, jsonObject, timestamptz } from "./common.ts";

/** Kinds of account: a person, or a service acting on its own behalf. */
export const ACCOUNT_KINDS = ["user", "service"] as const;
/** Roles of an account inside an organization. */
export const MEMBER_ROLES = ["owner", "admin", "member"] as const;

/** Per-key rate and concurrency limits; an absent field means "no limit of that kind". */
export interface ApiKeyLimits {
  /** Requests per minute. */
  rpm?: number;
  /** LLM tokens per minute. */
  tpm?: number;
  /** Calls in flight at once. */
  maxParallel?: number;
}

/** A person or service that can own keys and belong to organizations. */
export const accounts = pgTable("accounts", {
  ...commonColumns(),
  name: text("name").notNull(),
  email: text("email").unique(),
  kind: text("kind", { enum: ACCOUNT_KINDS }).notNull().default("user"),
  disabledAt: timestamptz("disabled_at"),
}, (t) => [check("accounts_kind_check", sql`${t.kind} in ('user', 'service')`)]);

/** A tenant: the unit graphs, keys and quotas are scoped to. */
export const organizations = pgTable("organizations", {
  ...commonColumns(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
});

/** Authoritative membership of accounts in organizations. */
export const organizationMembers = pgTable("organization_members", {
  ...commonColumns(),
  organizationId: text("organization_id").notNull()
    .references(() => organizations.id, { onDelete: "cascade" }),
  accountId: text("account_id").notNull()
    .references(() => accounts.id, { onDelete: "cascade" }),
  role: text("role", { enum: MEMBER_ROLES }).notNull().default("member"),
}, (t) => [
  unique("organization_members_org_account_unique").on(t.organizationId, t.accountId),
  // "Which organizations is this account in?" is asked on every authenticated request.
  index("organization_members_account_idx").on(t.accountId),
  check("organization_members_role_check", sql`${t.role} in ('owner', 'admin', 'member')`),
]);

/** An API key. Only the SHA-256 of the secret is stored; the key itself never is. */
export const apiKeys = pgTable("api_keys", {
  id: idColumn(),
  name: text("name").notNull(),
  /** Short public identifier shown in listings and logs. */
  prefix: text("prefix").notNull(),
  /** Hex SHA-256 of the full secret: the lookup on every authenticated request. */
  hash: text("hash").notNull().unique(),
  accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
  organizationId: text("organization_id")
    .references(() => organizations.id, { onDelete: "cascade" }),
  scopes: jsonb("scopes").$type<string[]>().notNull().default([]),
  limits: jsonObject<ApiKeyLimits>("limits"),
  metadata: jsonObject("metadata"),
  expiresAt: timestamptz("expires_at"),
  revokedAt: timestamptz("revoked_at"),
  lastUsedAt: timestamptz("last_used_at"),
  createdAt: createdAtColumn(),
}, (t) => [
  index("api_keys_prefix_idx").on(t.prefix),
  index("api_keys_account_idx").on(t.accountId),
  index("api_keys_organization_idx").on(t.organizationId),
]);

/**
 * What happened, by whom, to what. Actor columns are plain ids, not foreign
 * keys: the record must outlive the key or account it names.
 */
export const auditLogs = pgTable("audit_logs", {
  id: idColumn(),
  actorKeyId: text("actor_key_id"),
  actorAccountId: text("actor_account_id"),
  action: text("action").notNull(),
  targetType: text("target_type"),
  targetId: text("target_id"),
  details: jsonObject("details"),
  createdAt: createdAtColumn(),
}, (t) => [
  index("audit_logs_created_at_idx").on(t.createdAt),
  index("audit_logs_target_idx").on(t.targetType, t.targetId),
  index("audit_logs_actor_key_idx").on(t.actorKeyId),
]);

/** A row of {@linkcode accounts}. */
export type Account = typeof accounts.$inferSelect;
/** Insert shape of {@linkcode accounts}. */
export type NewAccount = typeof accounts.$inferInsert;
/** A row of {@linkcode organizations}. */
export type Organization = typeof organizations.$inferSelect;
/** Insert shape of {@linkcode organizations}. */
export type NewOrganization = typeof organizations.$inferInsert;
/** A row of {@linkcode organizationMembers}. */
export type OrganizationMember = typeof organizationMembers.$inferSelect;
/** Insert shape of {@linkcode organizationMembers}. */
export type NewOrganizationMember = typeof organizationMembers.$inferInsert;
/** A row of {@linkcode apiKeys}. */
export type ApiKey = typeof apiKeys.$inferSelect;
/** Insert shape of {@linkcode apiKeys}. */
export type NewApiKey = typeof apiKeys.$inferInsert;
/** A row of {@linkcode auditLogs}. */
export type AuditLog = typeof auditLogs.$inferSelect;
/** Insert shape of {@linkcode auditLogs}. */
export type NewAuditLog = typeof auditLogs.$inferInsert;
