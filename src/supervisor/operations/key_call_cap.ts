import type { Caller } from "@alkdev/operations";
import type { KeyLeases } from "../keys/key_leases.ts";

/**
 * The caller with a per-key cap on top-level calls in flight: one key cannot
 * take every slot of the hub-wide cap. Nested calls pass, as they do the
 * hub-wide cap: their parent already holds a slot.
 */
export function capCallsPerKey(caller: Caller, leases: KeyLeases): Caller {
  const call = async (operation: never, input: unknown, options: Parameters<Caller["call"]>[2]) => {
    const keyId = options.identity.keyId;
    if (keyId === undefined || options.parentRequestId !== undefined) {
      return await caller.call(operation, input as never, options);
    }
    const release = leases.acquire(keyId, "calls");
    try {
      return await caller.call(operation, input as never, options);
    } finally {
      release();
    }
  };
  return {
    call: call as Caller["call"],
    get pending() {
      return caller.pending;
    },
    attachLocal: (location, dispatch) => caller.attachLocal(location, dispatch),
    observe: (observer) => caller.observe(observer),
    close: () => caller.close(),
  };
}
