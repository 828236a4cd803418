/** Assertions shared by the operations tests. */
import assert from "node:assert/strict";
import { HubError } from "@hub/errors";

/** An `assert.throws`/`rejects` validator: a HubError with `code`, then `check`. */
export function hubError(code: string, check?: (error: HubError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${error}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  };
}
