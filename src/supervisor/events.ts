import type { CallEventMap } from "@alkdev/operations";
import type { AuthEvents } from "../auth/mod.ts";

/**
 * The hub bus's event map: the typed events of each subsystem (the call
 * protocol, key revocations), plus any other topic (actors and spokes publish
 * their own).
 */
export type HubEvents = CallEventMap & AuthEvents & Record<string, unknown>;
