/**
 * API keys and their verification.
 *
 * ```ts
 * import { generateApiKey } from "./mod.ts";
 * const { key, prefix, hash } = await generateApiKey(); // show `key` once, store `hash`
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
export { BOOTSTRAP_KEY_NAME, type BootstrapResult, ensureBootstrapAdminKey } from "./bootstrap.ts";
export { type ApiKeyVerifier, createApiKeyVerifier, type VerifiedApiKey } from "./verify.ts";
