/**
 * The error form an executor publishes. Only code, message and details cross
 * the wire — never a stack or a cause, which may hold internals of the
 * process that ran the handler. Unknown throws become `internal` here (via
 * `toHubError`) and are logged where they happened, so the cause is not lost.
 *
 * @module
 */
import type { OperationLog } from "./context.ts";
import { type SerializedError, toHubError } from "@hub/errors";

/** The client-safe serialized form of any throw; logs the cause of `internal` errors. */
export function toWireError(error: unknown, log?: OperationLog): SerializedError {
  const hubError = toHubError(error);
  if (hubError.code === "internal") {
    log?.error("Operation failed: {message}", {
      message: hubError.message,
      error: hubError.cause ?? hubError,
      details: hubError.details,
    });
  }
  return {
    code: hubError.code,
    message: hubError.message,
    ...(hubError.details === undefined ? {} : { details: hubError.details }),
  };
}
