import type { PubSub } from "@alkdev/pubsub";
import {
  ApiKeyService,
  type CachedApiKeyVerifier,
  createCachedVerifier,
  createLastUsedTracker,
  publishRevocations,
  revocationSubscriber,
} from "../../auth/mod.ts";
import type { HubDb } from "../../storage/mod.ts";
import type { HubEvents } from "../events.ts";

/** The hub's key subsystem: the service, the cached verifier and last-used batching. */
export interface AuthParts {
  readonly service: ApiKeyService;
  readonly verifier: CachedApiKeyVerifier;
  /** Flushes last-used times and detaches from the bus. */
  close(): Promise<void>;
}

/**
 * Wires the key service to the bus: a revocation is published, and every
 * verifier (this hub's and, once hubs are linked, the others') drops the key
 * from its cache at once. Successful verifications record last-used in batches.
 */
export function startAuth(db: HubDb, bus: PubSub<HubEvents>): AuthParts {
  const service = new ApiKeyService(db);
  const lastUsed = createLastUsedTracker(db);
  const unpublish = publishRevocations(service, bus);
  const verifier = createCachedVerifier(service, {
    subscribe: revocationSubscriber(bus),
    onVerified: (key) => lastUsed.touch(key.id),
  });
  return {
    service,
    verifier,
    async close() {
      unpublish();
      verifier.close();
      await lastUsed.close();
    },
  };
}
