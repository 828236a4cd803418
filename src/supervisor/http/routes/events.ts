import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { PubSub } from "@alkdev/pubsub";
import { EXPIRED_KEY_MESSAGE, KEY_REVOKED, REVOKED_KEY_MESSAGE } from "../../../auth/mod.ts";
import { onKeyExpiry } from "../../keys/key_expiry.ts";
import type { HubEvents } from "../../events.ts";
import { KeyLeases } from "../../keys/key_leases.ts";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";
import { parseTopics } from "./topic_access.ts";

/** Options of {@linkcode eventRoutes}. */
export interface EventRoutesOptions {
  /** A comment line this often keeps proxies from closing an idle stream; default 15 s. */
  keepAliveMs?: number;
  /** Ends every stream when aborted (shutdown), so the server can drain. */
  signal?: AbortSignal;
  /** Per-key caps (`eventStreams` applies here); default: the default caps. */
  leases?: KeyLeases;
}

/**
 * `GET /api/v1/events?topic=a&topic=b:id`: a scoped SSE stream. The client
 * receives only the topics it asked for and may see; each event is
 * `event: <type>`, `data: <envelope JSON>`. A first `ready` event says the
 * subscriptions are attached. Disconnecting unsubscribes at once.
 */
export function eventRoutes(
  pubsub: PubSub<HubEvents>,
  options: EventRoutesOptions = {},
): Hono<HubEnv> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const leases = options.leases ?? new KeyLeases();
  const routes = new Hono<HubEnv>();
  routes.get("/events", (c) => {
    const topics = parseTopics(c.req.queries("topic") ?? [], c.var.apiKey.scopes);
    c.header("Cache-Control", "no-cache");
    c.header("X-Accel-Buffering", "no");
    const { id: keyId, expiresAt } = c.var.apiKey;
    // Taken before the stream starts, so a refusal is a plain 429 with the coded error.
    const release = leases.acquire(keyId, "eventStreams");
    return streamSSE(c, async (stream) => {
      const subscriptions = topics.map(({ type, id }) => pubsub.subscribe(type, id));
      // A revoked key loses its open streams too, not only its next request.
      const revoked = pubsub.subscribe(KEY_REVOKED, keyId);
      const done = Promise.withResolvers<void>();
      const close = () => {
        release();
        for (const subscription of [...subscriptions, revoked]) void subscription.return();
        done.resolve();
      };
      stream.onAbort(close);
      if (options.signal?.aborted) close();
      options.signal?.addEventListener("abort", close, { once: true });
      const pumps = subscriptions.map(async (subscription) => {
        for (let r = await subscription.next(); !r.done; r = await subscription.next()) {
          const event = r.value as { type: string; id: string; payload: unknown };
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
        }
      });
      const refuse = async (message: string) => {
        const error = { code: "unauthorized", message };
        await stream.writeSSE({ event: "error", data: JSON.stringify({ error }) });
      };
      const revocation = revoked.next().then((r) =>
        r.done ? undefined : refuse(REVOKED_KEY_MESSAGE)
      );
      // The same rule as /ws: a stream ends when its key expires, not only at the next request.
      const expired = Promise.withResolvers<void>();
      const cancelExpiry = onKeyExpiry(expiresAt, () => expired.resolve());
      const expiry = expired.promise.then(() => refuse(EXPIRED_KEY_MESSAGE));
      // next() above attached every listener; only now is the stream ready.
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ topics: topics.map(name) }) });
      const timer = setInterval(
        () => void stream.write(": keep-alive\n\n").catch(close),
        keepAliveMs,
      );
      try {
        await Promise.race([done.promise, Promise.all(pumps), revocation, expiry]);
      } finally {
        clearInterval(timer);
        cancelExpiry();
        options.signal?.removeEventListener("abort", close);
        close();
      }
    });
  });
  routes.all("/events", methodNotAllowed("GET"));
  return routes;
}

function name(topic: { type: string; id?: string }): string {
  return topic.id === undefined ? topic.type : `${topic.type}:${topic.id}`;
}
