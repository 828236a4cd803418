/**
 * Worker transport throughput, thread → host, against raw one-way
 * `postMessage` of the same payload over the same kind of channel (a
 * transferred MessagePort). This file is also the worker: it runs the peer
 * side when started as one.
 *
 *   deno run -A bench/pubsub_worker.ts [events=100000] [rounds=3]
 *
 * @module
 */

import {
  createPubSub,
  createWorkerHostEventTarget,
  createWorkerThreadEventTarget,
} from "@alkdev/pubsub";
import { bestOfRounds } from "./_transport_rounds.ts";

type Events = { bench: Record<string, unknown> };
type Mode = "raw" | "transport" | "pubsub";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  name?: string;
}
const scope = globalThis as unknown as Scope;

function payloadOf(bytes: number): Record<string, unknown> {
  return { seq: 0, kind: "session.status", text: "x".repeat(Math.max(0, bytes - 60)), ok: true };
}

if (scope.name === "pubsub-bench-peer") {
  // Worker side: sends `events` messages on the port in one burst, as a publisher would.
  scope.onmessage = async (event) => {
    const { mode, events, bytes, port } = event.data as {
      mode: Mode;
      events: number;
      bytes: number;
      port: MessagePort;
    };
    const payload = payloadOf(bytes);
    if (mode === "raw") {
      scope.postMessage("ready");
      await new Promise((resolve) => port.onmessage = resolve);
      for (let i = 0; i < events; i++) port.postMessage(payload);
      return;
    }
    const target = createWorkerThreadEventTarget(port);
    const pubsub = createPubSub<Events>({ eventTarget: target });
    scope.postMessage("ready");
    await new Promise((resolve) => scope.onmessage = resolve);
    for (let i = 0; i < events; i++) pubsub.publish("bench", "a", payload);
  };
} else {
  await main();
}

async function run(mode: Mode, events: number, bytes: number): Promise<number> {
  const worker = new Worker(import.meta.url, { type: "module", name: "pubsub-bench-peer" });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    console.error(event.message);
  });
  const channel = new MessageChannel();
  const ready = new Promise((resolve) =>
    worker.addEventListener("message", resolve, { once: true })
  );
  worker.postMessage({ mode, events, bytes, port: channel.port2 }, [channel.port2]);
  await ready;
  const { promise: done, resolve } = Promise.withResolvers<void>();
  let received = 0;
  let start = 0;
  let close = () => {};
  if (mode === "raw") {
    channel.port1.onmessage = () => ++received === events && resolve();
    start = performance.now();
    channel.port1.postMessage("go");
  } else {
    const host = createWorkerHostEventTarget(channel.port1);
    close = () => void host.close();
    if (mode === "transport") {
      host.addEventListener("bench:a", () => ++received === events && resolve());
    } else {
      const pubsub = createPubSub<Events>({ eventTarget: host, maxQueuedEvents: Infinity });
      (async () => {
        for await (const _ of pubsub.subscribe("bench", "a")) if (++received === events) break;
        resolve();
      })();
    }
    await host.sync(); // the thread knows about the subscription
    start = performance.now();
    worker.postMessage("go");
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  close();
  channel.port1.close();
  worker.terminate();
  return events / seconds;
}

async function main() {
  const events = Number(Deno.args[0] ?? 100_000);
  const rounds = Number(Deno.args[1] ?? 3);
  const { rows, result } = await bestOfRounds(
    {
      raw: "raw postMessage",
      transport: "worker target → listener",
      pubsub: "pubsub → for await",
    },
    rounds,
    (mode, bytes) => run(mode, events, bytes),
  );
  console.log(`worker transport, thread → host, ${events} events, best of ${rounds}`);
  console.table(rows);
  console.log(JSON.stringify({ bench: "pubsub_worker", events, rounds, ...result }));
}
