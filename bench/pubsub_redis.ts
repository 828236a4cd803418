/**
 * Redis transport end to end (publish → message on another connection)
 * against raw ioredis: `publish(channel, JSON.stringify(payload))` per event,
 * unawaited, with `JSON.parse` on the subscriber; a pipelined raw run is shown
 * for reference. Publishers stay at most WINDOW events ahead of the subscriber.
 *
 *   deno run -A bench/pubsub_redis.ts [events=50000] [rounds=3] [redis://127.0.0.1:6379]
 *
 * @module
 */

import { Redis } from "ioredis";
import { createPubSub, createRedisEventTarget } from "@alkdev/pubsub";
import { bestOfRounds } from "./_transport_rounds.ts";

type Events = { bench: Record<string, unknown> };
type Mode = "raw" | "rawPipelined" | "transport" | "pubsub";

const events = Number(Deno.args[0] ?? 50_000);
const rounds = Number(Deno.args[1] ?? 3);
const url = Deno.args[2] ?? Deno.env.get("HUB_TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";

/** True when Redis answers at `url`; a machine without Redis skips this bench instead of hanging. */
async function reachable(): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return await probe.ping() === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

if (!await reachable()) {
  console.log(`redis transport: skipped, no Redis at ${url}`);
  console.log(JSON.stringify({ bench: "pubsub_redis", skipped: `no Redis at ${url}` }));
  Deno.exit(0);
}

function payloadOf(bytes: number): Record<string, unknown> {
  return { seq: 0, kind: "session.status", text: "x".repeat(Math.max(0, bytes - 60)), ok: true };
}

// Redis disconnects a subscriber whose output buffer passes 32 MB (8 MB for
// 60 s) and its messages are lost, so publishers are kept at most WINDOW
// events ahead of the subscriber, in every mode alike.
const CHUNK = 500;
const WINDOW = 4000;

async function run(mode: Mode, bytes: number): Promise<number> {
  const payload = payloadOf(bytes);
  const prefix = `bench:pubsub:${crypto.randomUUID()}:`;
  const clients = [0, 1, 2, 3].map(() => new Redis(url));
  const [nearPub, nearSub, farPub, farSub] = clients;
  const { promise: done, resolve } = Promise.withResolvers<void>();
  let received = 0;
  let progress: (() => void) | undefined;
  const onReceive = () => {
    if (++received === events) resolve();
    progress?.();
    progress = undefined;
  };
  let send: (count: number) => void;
  const targets: Array<{ close(): Promise<void> }> = [];
  if (mode === "raw" || mode === "rawPipelined") {
    const channel = `${prefix}bench:a`;
    nearSub.on("message", (_channel: string, message: string) => {
      JSON.parse(message);
      onReceive();
    });
    await nearSub.subscribe(channel);
    send = mode === "raw"
      ? (count) => {
        for (let i = 0; i < count; i++) {
          farPub.publish(channel, JSON.stringify(payload)).catch(() => {});
        }
      }
      : (count) => {
        const pipeline = farPub.pipeline();
        for (let i = 0; i < count; i++) pipeline.publish(channel, JSON.stringify(payload));
        pipeline.exec().catch(() => {});
      };
  } else {
    const near = createRedisEventTarget({
      publishClient: nearPub,
      subscribeClient: nearSub,
      prefix,
    });
    const far = createRedisEventTarget({ publishClient: farPub, subscribeClient: farSub, prefix });
    targets.push(near, far);
    if (mode === "transport") {
      near.addEventListener("bench:a", onReceive);
    } else {
      const pubsub = createPubSub<Events>({ eventTarget: near, maxQueuedEvents: Infinity });
      (async () => {
        for await (const _ of pubsub.subscribe("bench", "a")) {
          onReceive();
          if (received === events) break;
        }
      })();
    }
    await near.sync();
    const hub = createPubSub<Events>({ eventTarget: far });
    send = (count) => {
      for (let i = 0; i < count; i++) hub.publish("bench", "a", payload);
    };
  }
  const start = performance.now();
  for (let sent = 0; sent < events;) {
    const count = Math.min(CHUNK, events - sent);
    send(count);
    sent += count;
    while (sent - received > WINDOW) await new Promise<void>((wake) => progress = wake);
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  for (const target of targets) await target.close();
  await Promise.all(clients.map((client) => client.quit()));
  return events / seconds;
}

const { rows, result } = await bestOfRounds(
  {
    raw: "raw publish → message",
    rawPipelined: `raw, one pipeline per ${CHUNK}`,
    transport: "redis target → listener",
    pubsub: "pubsub → for await",
  },
  rounds,
  run,
);
console.log(`redis transport end to end, ${events} events, best of ${rounds}`);
console.table(rows);
console.log(JSON.stringify({ bench: "pubsub_redis", events, rounds, ...result }));
