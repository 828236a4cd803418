/**
 * The hub's one error type and its closed code set, below every other module
 * (storage, config, auth and the call protocol all throw it). Import it as
 * `@hub/errors`; `@alkdev/operations` re-exports it unchanged.
 *
 * ```ts
 * import { HubError } from "@hub/errors";
 * throw new HubError("not_found", `Cannot find key "${id}": no such key`);
 * ```
 *
 * @module
 */
export {
  deserializeError,
  ERROR_CODES,
  ERROR_MAP,
  type ErrorCode,
  type ErrorMapping,
  HubError,
  type HubErrorOptions,
  isErrorCode,
  type SerializedError,
  serializeError,
  toHubError,
} from "./hub_error.ts";
