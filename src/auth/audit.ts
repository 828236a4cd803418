/**
 * Audit log rows: who did what to which target. Written inside the caller's
 * transaction, so an action and its record commit or roll back together.
 *
 * @module
 */
import { auditLogs, type HubDb } from "../storage/mod.ts";

/** How an action reached the hub. */
export type AuditChannel = "http" | "mcp" | "ws" | "cli" | "bootstrap" | "system";

/** Who performed an action: the key (and account) behind it, and the channel. */
export interface AuditActor {
  /** The API key that authorised the action; absent for the CLI and bootstrap. */
  keyId?: string;
  accountId?: string;
  via: AuditChannel;
}

/** What an action was done to. */
export interface AuditTarget {
  /** `"api_key"`, `"account"`, `"operation"`, … */
  type: string;
  id?: string;
}

/** Audit actions of the API key lifecycle and of the LLM gateway's providers. */
export const AUDIT_ACTIONS = {
  keyCreated: "api_key.create",
  keyRevoked: "api_key.revoke",
  providerCreated: "llm_provider.create",
  providerUpdated: "llm_provider.update",
  providerDeleted: "llm_provider.delete",
} as const;

/** A database or an open transaction: audit rows go wherever the action's writes go. */
export type HubTx = Parameters<Parameters<HubDb["transaction"]>[0]>[0] | HubDb;

/**
 * Inserts one audit row. `details` must never hold a key or secret: callers
 * pass names, prefixes and scopes only.
 */
export async function writeAudit(
  tx: HubTx,
  action: string,
  actor: AuditActor,
  target: AuditTarget,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.insert(auditLogs).values({
    action,
    actorKeyId: actor.keyId ?? null,
    actorAccountId: actor.accountId ?? null,
    targetType: target.type,
    targetId: target.id ?? null,
    details: { ...details, via: actor.via },
  });
}
