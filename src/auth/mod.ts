/**
 * API keys: format and hashing, scopes, the key lifecycle (create, list,
 * revoke, audited), a cached verifier that revocations clear, and batched
 * last-used tracking.
 *
 * ```ts ignore
 * import { ApiKeyService, createCachedVerifier, createLastUsedTracker, hasScope } from "./mod.ts";
 *
 * const service = new ApiKeyService(db);
 * const { key, record } = await service.create({ name: "ci", scopes: ["ops"] }, { via: "cli" });
 * console.log(key); // shown once; only its SHA-256 is stored
 *
 * const lastUsed = createLastUsedTracker(db);
 * const verifier = createCachedVerifier(service, { onVerified: (k) => lastUsed.touch(k.id) });
 * const verified = await verifier.verify(key);
 * hasScope(verified.scopes, "ops:coord"); // true: "ops" implies its finer scopes
 * await service.revoke(record.id, { via: "cli" }); // the verifier refuses the key at once
 * ```
 *
 * @module
 */
export {
  API_KEY_PREFIX,
  apiKeyPrefix,
  generateApiKey,
  type GeneratedApiKey,
  hashApiKey,
  hashesEqual,
} from "./api_key.ts";
export {
  AUDIT_ACTIONS,
  type AuditActor,
  type AuditChannel,
  type AuditTarget,
  writeAudit,
} from "./audit.ts";
export { BOOTSTRAP_KEY_NAME, type BootstrapResult, ensureBootstrapAdminKey } from "./bootstrap.ts";
export {
  type AuthEvents,
  KEY_REVOKED,
  type KeyRevokedEvent,
  keyRevokedEvent,
  type KeyRevokedPayload,
  publishRevocations,
  type RevocationBus,
  type RevocationSubscriber,
  revocationSubscriber,
} from "./events.ts";
export { parseExpiry } from "./expiry.ts";
export {
  type CreateApiKeyInput,
  MAX_METADATA_BYTES,
  MAX_NAME_LENGTH,
  validateKeyInput,
  type ValidKeyInput,
} from "./key_input.ts";
export { type ApiKeyRecord, type ApiKeyStatus, recordToJson } from "./key_record.ts";
export {
  ApiKeyService,
  type ApiKeyServiceOptions,
  type CreatedApiKey,
  type ListApiKeysOptions,
  type RevokeResult,
} from "./key_store.ts";
export {
  createLastUsedTracker,
  type LastUsedTracker,
  type LastUsedTrackerOptions,
} from "./last_used.ts";
export {
  BASE_SCOPES,
  type BaseScope,
  hasScope,
  hasScopes,
  isScope,
  MAX_SCOPES,
  parseScopes,
  type Scope,
  SCOPE_DESCRIPTIONS,
} from "./scopes.ts";
export {
  type CachedApiKeyVerifier,
  type CachedVerifierOptions,
  createCachedVerifier,
  type KeyVerificationSource,
} from "./verifier.ts";
export {
  type ApiKeyVerifier,
  createApiKeyVerifier,
  EXPIRED_KEY_MESSAGE,
  INVALID_KEY_MESSAGE,
  REVOKED_KEY_MESSAGE,
  type VerifiedApiKey,
} from "./verify.ts";
