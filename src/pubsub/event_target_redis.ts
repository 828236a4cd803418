/**
 * Redis transport (adapted from `@graphql-yoga/redis-event-target`, MIT).
 * Topic `t` maps to channel `prefix + t`; a message is the serialized
 * {@link EventEnvelope}. Local listeners hear local dispatches through Redis
 * too, so every process sees one order per channel.
 *
 * ```ts ignore
 * import { Redis } from "ioredis";
 * const eventTarget = createRedisEventTarget({
 *   publishClient: new Redis(url),
 *   subscribeClient: new Redis(url),
 *   prefix: "alk:events:",
 * });
 * const pubsub = createPubSub<Events>({ eventTarget });
 * ```
 *
 * @module
 */

import type { Cluster, Redis } from "ioredis";
import { Drops } from "./_drops.ts";
import { ListenerRegistry } from "./_listener_registry.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES, exceedsBytes, isReserved, topicMatches } from "./protocol.ts";
import type {
  EventEnvelope,
  OnDrop,
  PubSubEvent,
  PubSubTransport,
  TransportStats,
  TypedEventListenerOrEventListenerObject,
} from "./types.ts";

/** Options of {@link createRedisEventTarget}. */
export interface RedisEventTargetOptions {
  /** Publishes; may be shared with other commands. */
  publishClient: Redis | Cluster;
  /** Subscribes; must be dedicated to this target (subscriber-mode connection). */
  subscribeClient: Redis | Cluster;
  /** Message encoding; default `JSON`. */
  serializer?: { stringify(value: unknown): string; parse(text: string): unknown };
  /** Channel prefix, e.g. `"alk:events:"`; default `""`. */
  prefix?: string;
  /** Largest message accepted or published, in UTF-8 bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Told about dropped messages, including publishes lost to a failed connection. */
  onDrop?: OnDrop;
  /** Told about failed SUBSCRIBE/UNSUBSCRIBE commands. */
  onError?: (error: unknown) => void;
}

/** The Redis transport. */
export interface RedisEventTarget extends PubSubTransport {
  /** Number of local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;

/**
 * Creates the Redis target. SUBSCRIBE/UNSUBSCRIBE are reference-counted per
 * channel; after a reconnect the target subscribes its channels again. Publishes
 * of one microtask go out as one pipeline. `close()` flushes pending publishes
 * and unsubscribes, but leaves both clients connected (the caller owns them).
 */
export function createRedisEventTarget(options: RedisEventTargetOptions): RedisEventTarget {
  const { publishClient, subscribeClient, onError } = options;
  const serializer = options.serializer ?? JSON;
  const prefix = options.prefix ?? "";
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const drops = new Drops(options.onDrop);
  const commands = new Set<Promise<void>>();
  let queue: string[] = []; // channel, message, channel, message, …
  let scheduled = false;
  let closed = false;
  let sent = 0;
  let received = 0;
  let lastEnvelope: EventEnvelope | undefined;
  let lastMessage: string | undefined;

  function track(command: Promise<unknown>, onFailure: (error: unknown) => void): void {
    const settled: Promise<void> = command.then(() => {}, onFailure).finally(() =>
      commands.delete(settled)
    );
    commands.add(settled);
  }
  const reportError = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // Diagnostics only.
    }
  };
  const channels = () => registry.topics().filter((t) => !isReserved(t)).map((t) => prefix + t);

  const registry = new ListenerRegistry({
    onFirst(topic) {
      if (!isReserved(topic)) track(subscribeClient.subscribe(prefix + topic), reportError);
    },
    onLast(topic) {
      if (!isReserved(topic)) track(subscribeClient.unsubscribe(prefix + topic), reportError);
    },
  });

  function onMessage(channel: string, message: string): void {
    if (closed || !channel.startsWith(prefix)) return;
    const topic = channel.slice(prefix.length);
    if (registry.count(topic) === 0) return;
    if (exceedsBytes(message, max)) {
      return drops.drop("oversized", {
        topic,
        bytes: message.length,
        detail: "message exceeds maxPayloadBytes",
      });
    }
    let value: unknown;
    try {
      value = serializer.parse(message);
    } catch {
      return drops.drop("malformed", { topic, detail: "message does not parse" });
    }
    const { type, id, payload } = (value ?? {}) as Partial<EventEnvelope>;
    if (typeof value !== "object" || typeof type !== "string" || typeof id !== "string") {
      return drops.drop("malformed", { topic, detail: "message is not an event envelope" });
    }
    if (isReserved(type)) {
      return drops.drop("unknownControl", {
        topic,
        detail: `reserved type "${type.slice(0, 64)}"`,
      });
    }
    if (!topicMatches(topic, type, id)) {
      return drops.drop("malformed", { topic, detail: "event does not belong on this channel" });
    }
    received++;
    registry.dispatch(new CustomEvent(topic, { detail: { type, id, payload } }));
  }

  // ioredis resubscribes by itself when autoResubscribe is on (the default);
  // doing it here as well covers autoResubscribe: false, and SUBSCRIBE is idempotent.
  function onReady(): void {
    const list = channels();
    if (!closed && list.length > 0) track(subscribeClient.subscribe(...list), reportError);
  }

  function flush(): void {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const pipeline = publishClient.pipeline();
    for (let i = 0; i < batch.length; i += 2) pipeline.publish(batch[i], batch[i + 1]);
    track(pipeline.exec(), (error) => {
      drops.drop("closed", {
        detail: `${batch.length / 2} publishes failed: ${String(error).slice(0, 200)}`,
      });
    });
  }

  subscribeClient.on("message", onMessage);
  subscribeClient.on("ready", onReady);

  return {
    addEventListener(topic: string, listener: Listener, opts?: AddEventListenerOptions | boolean) {
      registry.add(topic, listener, opts);
    },
    removeEventListener: (topic: string, listener: Listener) => registry.remove(topic, listener),
    dispatchEvent(event: PubSubEvent) {
      const topic = event.type;
      if (closed) return false;
      if (isReserved(topic)) return registry.dispatch(event);
      const envelope = event.detail;
      // pubsub.publish dispatches one envelope on "type:id" and then "type": serialize once.
      if (envelope !== lastEnvelope) {
        lastEnvelope = envelope;
        try {
          const { type, id, payload } = envelope;
          lastMessage = serializer.stringify({ type, id, payload });
        } catch {
          lastMessage = undefined;
        }
      }
      if (lastMessage === undefined) {
        drops.drop("malformed", { topic, detail: "event is not serializable" });
        return false;
      }
      if (exceedsBytes(lastMessage, max)) {
        drops.drop("oversized", { topic, detail: "outgoing event exceeds maxPayloadBytes" });
        return false;
      }
      sent++;
      queue.push(prefix + topic, lastMessage);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
      return true;
    },
    listenerCount: (topic?: string) => registry.count(topic),
    async sync() {
      while (commands.size > 0) await Promise.all(commands);
    },
    stats(): TransportStats {
      const localTopics = channels().length;
      return { dropped: drops.snapshot(), sent, received, localTopics, remoteTopics: 0 };
    },
    async close() {
      if (closed) return;
      flush();
      const list = channels();
      closed = true;
      registry.close();
      subscribeClient.off("message", onMessage);
      subscribeClient.off("ready", onReady);
      if (list.length > 0) track(subscribeClient.unsubscribe(...list), reportError);
      while (commands.size > 0) await Promise.all(commands);
    },
  };
}
