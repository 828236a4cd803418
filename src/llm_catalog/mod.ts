/**
 * The LLM gateway's library parts, free of HTTP and Workers: the model
 * catalog (deployments, aliases, per-key access), token estimates, the
 * mapping of hub errors to OpenAI error bodies and rate-limit header values.
 *
 * ```ts
 * import { Catalog } from "./mod.ts";
 * const catalog = new Catalog({
 *   providers: [{ name: "local", baseURL: "http://127.0.0.1:9100/v1", models: ["fake-1"] }],
 *   aliases: { fast: "local/fake-1" },
 * });
 * catalog.resolve("fast")?.deployments[0].id; // "local/fake-1"
 * ```
 *
 * @module
 */
export {
  Catalog,
  type CatalogData,
  type Deployment,
  deploymentScope,
  grantsDeployment,
  hasLlmScope,
  type ListedModel,
  type ProviderSpec,
  type Resolved,
} from "./catalog.ts";
export { DEFAULT_OUTPUT_ESTIMATE, estimateInputTokens, estimateRequestTokens } from "./estimate.ts";
export {
  llmError,
  modelNotFound,
  OPENAI_ERRORS,
  type OpenAiError,
  type OpenAiErrorAnswer,
  type OpenAiErrorDetails,
  type OpenAiErrorType,
  toOpenAiError,
} from "./openai_error.ts";
export { formatDuration } from "./duration.ts";
