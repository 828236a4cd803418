import type { AuthEvents } from "../auth/mod.ts";

/**
 * The hub bus's event map: the typed events of each subsystem, plus any other
 * topic (actors and spokes publish their own).
 */
export type HubEvents = AuthEvents & Record<string, unknown>;
