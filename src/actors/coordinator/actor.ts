import type { CoordinatorApi } from "./protocol.ts";

/** What the coordinator needs from its surroundings; injected so tests run it in-process. */
export interface CoordinatorPorts {
  actorId: string;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/** The coordinator's behaviour, independent of the Worker that hosts it. */
export function createCoordinator(ports: CoordinatorPorts): CoordinatorApi {
  const now = ports.now ?? Date.now;
  const startedAt = now();
  return {
    status: () => ({
      startedAt: new Date(startedAt).toISOString(),
      uptimeMs: now() - startedAt,
      actorId: ports.actorId,
    }),
    ping: () => "pong",
  };
}
