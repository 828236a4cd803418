/**
 * The auth events other hubs must hear. Revoking a key publishes
 * `auth.key_revoked` so every hub's verification cache drops the key at once,
 * not after its TTL. Auth never imports a transport: {@linkcode RevocationBus}
 * is the slice of `@alkdev/pubsub`'s `PubSub<AuthEvents>` it needs, and the
 * supervisor passes the hub's pubsub in.
 *
 * ```ts ignore
 * const pubsub = createPubSub<AuthEvents & OtherEvents>({ eventTarget });
 * publishRevocations(service, pubsub);
 * const verifier = createCachedVerifier(service, { subscribe: revocationSubscriber(pubsub) });
 * ```
 *
 * @module
 */
import { logger } from "../logging/mod.ts";

/** The event type of a key revocation. */
export const KEY_REVOKED = "auth.key_revoked";

/** Payload of {@linkcode KEY_REVOKED}: the id of the revoked key (never the key). */
export interface KeyRevokedPayload {
  readonly keyId: string;
}

/** The auth event map, to merge into the hub's pubsub event map. */
export interface AuthEvents {
  [KEY_REVOKED]: KeyRevokedPayload;
}

/** A key revocation as an event envelope: `{ type, id: keyId, payload: { keyId } }`. */
export interface KeyRevokedEvent {
  readonly type: typeof KEY_REVOKED;
  readonly id: string;
  readonly payload: KeyRevokedPayload;
}

/** The envelope announcing that `keyId` was revoked. */
export function keyRevokedEvent(keyId: string): KeyRevokedEvent {
  return { type: KEY_REVOKED, id: keyId, payload: { keyId } };
}

/**
 * A hook that delivers revocations from elsewhere (other hubs) to a
 * verifier; it returns an unsubscribe function.
 */
export type RevocationSubscriber = (onRevoked: (keyId: string) => void) => () => void;

/** What the revocation link needs of a pubsub (a `PubSub<AuthEvents>` fits). */
export interface RevocationBus {
  publish(type: typeof KEY_REVOKED, id: string, payload: KeyRevokedPayload): void;
  subscribe(type: typeof KEY_REVOKED): AsyncIterable<{ readonly payload: KeyRevokedPayload }>;
}

/** Publishes every revocation `service` makes on `bus`; returns the unsubscribe. */
export function publishRevocations(
  service: { onRevoked(listener: (keyId: string) => void): () => void },
  bus: Pick<RevocationBus, "publish">,
): () => void {
  return service.onRevoked((keyId) => {
    const { type, id, payload } = keyRevokedEvent(keyId);
    bus.publish(type, id, payload);
  });
}

/** A {@linkcode RevocationSubscriber} fed by `bus`'s `auth.key_revoked` events. */
export function revocationSubscriber(bus: Pick<RevocationBus, "subscribe">): RevocationSubscriber {
  return (onRevoked) => {
    const iterator = bus.subscribe(KEY_REVOKED)[Symbol.asyncIterator]();
    // The first next() attaches the listener, so it runs before this function returns.
    (async () => {
      for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
        const keyId = result.value?.payload?.keyId;
        if (typeof keyId === "string") onRevoked(keyId);
      }
    })().catch((error) => logger("auth").error("Revocation events stopped: {error}", { error }));
    return () => void iterator.return?.();
  };
}
