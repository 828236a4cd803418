/**
 * The hub's operations library (the `@alkdev/operations` subset the hub needs).
 *
 * ```ts
 * import { HubError } from "@alkdev/operations";
 * throw new HubError("not_found", 'Cannot find operation "x.y"');
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
} from "./errors.ts";
