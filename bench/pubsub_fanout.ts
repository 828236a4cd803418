/**
 * Fan-out of each event to 1,000 in-process subscribers: events/s,
 * deliveries/s and memory per subscriber. Baseline: a native `EventTarget`
 * with 1,000 plain listeners.
 *
 *   deno run -A --v8-flags=--expose-gc bench/pubsub_fanout.ts [events=1000] [subscribers=1000] [rounds=3]
 *
 * @module
 */

import { createInProcessEventTarget, createPubSub } from "@alkdev/pubsub";

type Events = { bench: { seq: number; text: string } };
type Mode = "raw" | "transport" | "pubsub";

const events = Number(Deno.args[0] ?? 1000);
const subscribers = Number(Deno.args[1] ?? 1000);
const rounds = Number(Deno.args[2] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  return Deno.memoryUsage().heapUsed;
}

/** Returns events/s and the heap growth from attaching the subscribers. */
async function run(mode: Mode): Promise<{ rate: number; bytesPerSubscriber: number }> {
  const total = events * subscribers;
  const { promise: done, resolve } = Promise.withResolvers<void>();
  let delivered = 0;
  const count = () => ++delivered === total && resolve();
  const before = heap();
  let publish: (seq: number) => void;
  if (mode === "raw") {
    const target = new EventTarget();
    // Distinct listeners, as real consumers would be (EventTarget dedupes identical ones).
    for (let i = 0; i < subscribers; i++) target.addEventListener("bench:a", () => count());
    publish = (seq) =>
      target.dispatchEvent(new CustomEvent("bench:a", { detail: { seq, text: "hello" } }));
  } else {
    const target = createInProcessEventTarget();
    const pubsub = createPubSub<Events>({ eventTarget: target });
    if (mode === "transport") {
      for (let i = 0; i < subscribers; i++) target.addEventListener("bench:a", () => count());
    } else {
      for (let i = 0; i < subscribers; i++) {
        (async () => {
          let seen = 0;
          for await (const _ of pubsub.subscribe("bench", "a")) {
            count();
            if (++seen === events) break;
          }
        })();
      }
    }
    publish = (seq) => pubsub.publish("bench", "a", { seq, text: "hello" });
  }
  const bytesPerSubscriber = (heap() - before) / subscribers;
  const start = performance.now();
  for (let seq = 0; seq < events; seq++) publish(seq);
  await done;
  return { rate: events / ((performance.now() - start) / 1000), bytesPerSubscriber };
}

const best: Record<Mode, { rate: number; bytesPerSubscriber: number }> = {
  raw: { rate: 0, bytesPerSubscriber: Infinity },
  transport: { rate: 0, bytesPerSubscriber: Infinity },
  pubsub: { rate: 0, bytesPerSubscriber: Infinity },
};
for (let round = 0; round < rounds; round++) {
  for (const mode of ["raw", "transport", "pubsub"] as const) {
    const { rate, bytesPerSubscriber } = await run(mode);
    best[mode] = {
      rate: Math.max(best[mode].rate, rate),
      bytesPerSubscriber: Math.min(best[mode].bytesPerSubscriber, bytesPerSubscriber),
    };
  }
}
const label: Record<Mode, string> = {
  raw: "native EventTarget, plain listeners",
  transport: "in-process target, plain listeners",
  pubsub: "pubsub → for await subscriptions",
};
console.log(
  `fan-out of ${events} events to ${subscribers} subscribers, best of ${rounds}${
    gc ? "" : " (no --expose-gc: memory is rough)"
  }`,
);
console.table((["raw", "transport", "pubsub"] as const).map((mode) => ({
  path: label[mode],
  "events/s": Math.round(best[mode].rate),
  "deliveries/s": Math.round(best[mode].rate * subscribers),
  "× raw": (best[mode].rate / best.raw.rate).toFixed(2),
  "heap B/subscriber": Math.round(best[mode].bytesPerSubscriber),
})));
console.log(JSON.stringify({
  bench: "pubsub_fanout",
  events,
  subscribers,
  rounds,
  raw_events_per_s: Math.round(best.raw.rate),
  transport_events_per_s: Math.round(best.transport.rate),
  pubsub_events_per_s: Math.round(best.pubsub.rate),
  pubsub_deliveries_per_s: Math.round(best.pubsub.rate * subscribers),
  transport_ratio: Number((best.transport.rate / best.raw.rate).toFixed(2)),
  pubsub_ratio: Number((best.pubsub.rate / best.raw.rate).toFixed(2)),
  pubsub_heap_bytes_per_subscriber: Math.round(best.pubsub.bytesPerSubscriber),
}));
