/**
 * Overhead of the in-process call protocol: `caller.call()` through the
 * registry, access check, validation at both ends, `call.requested` →
 * `call.responded` over an in-process pubsub, against calling the same
 * handler directly (the baseline) and directly with the same validation
 * (what the protocol adds beyond validating), and the same call dispatched
 * directly in-process (a caller handed to the executor, as the hub's HTTP and
 * MCP routes call supervisor operations). Prints a table, the ratios, and
 * one JSON line for `bench/run.ts`.
 *
 * ```sh
 * deno run -A bench/operation_call.ts            # full run
 * deno run -A bench/operation_call.ts --quick    # smoke run
 * ```
 *
 * @module
 */
import { createPubSub } from "@alkdev/pubsub";
import {
  type CallEventMap,
  createCaller,
  type OperationContext,
  OperationRegistry,
  serveOperations,
} from "@alkdev/operations";
import { type CallResult, measureCalls, median, printTable, record } from "./_report.ts";
import { STATUS_INPUT, statusOperation } from "./_status_operation.ts";

const quick = Deno.args.includes("--quick");
const SEQUENTIAL_CALLS = quick ? 2_000 : 20_000;
const IN_FLIGHT = 100;
const THROUGHPUT_CALLS = quick ? 10_000 : 100_000;
const ROUNDS = quick ? 1 : 5;

const status = statusOperation;
const INPUT = STATUS_INPUT;
const identity = { keyId: "bench", scopes: ["ops"], via: "internal" };

type Call = () => Promise<unknown>;

const ctx = { requestId: "direct", identity } as unknown as OperationContext;
const direct: Call = async () => await status.handler(INPUT, ctx);
const validated: Call = async () => {
  if (!status.validators.input.Check(INPUT)) throw new Error("bad input");
  const output = await status.handler(INPUT, ctx);
  if (!status.validators.output.Check(output)) throw new Error("bad output");
  return output;
};
const pubsub = createPubSub<CallEventMap>();
const registry = new OperationRegistry();
const server = serveOperations({
  pubsub,
  registry,
  location: { kind: "supervisor", id: "supervisor" },
  operations: [status],
});
const caller = createCaller({ pubsub, registry });
const protocol: Call = () => caller.call(status, INPUT, { identity });

// The same call when the caller was handed to the executor: dispatched
// directly in-process (the hub's HTTP/MCP path to supervisor operations).
const localPubsub = createPubSub<CallEventMap>();
const localRegistry = new OperationRegistry();
const localCaller = createCaller({ pubsub: localPubsub, registry: localRegistry });
const localServer = serveOperations({
  pubsub: localPubsub,
  registry: localRegistry,
  caller: localCaller,
  location: { kind: "supervisor", id: "supervisor" },
  operations: [status],
});
const local: Call = () => localCaller.call(status, INPUT, { identity });

/**
 * The floor: a bare request/response over the same kind of pubsub (one
 * subscription each way, a map of pending ids, no checks, no deadlines).
 */
function pubsubEcho(): { call: Call; close(): Promise<void> } {
  type Raw = { "raw.req": { id: number }; "raw.res": { id: number; output: unknown } };
  const raw = createPubSub<Raw>();
  const pending = new Map<number, (output: unknown) => void>();
  const requests = raw.subscribe("raw.req", "supervisor");
  const responses = raw.subscribe("raw.res");
  const serve = (async () => {
    for await (const { payload } of requests) {
      const output = await status.handler(INPUT, ctx);
      raw.publish("raw.res", String(payload.id), { id: payload.id, output });
    }
  })();
  const answer = (async () => {
    for await (const { payload } of responses) {
      const resolve = pending.get(payload.id)!;
      pending.delete(payload.id);
      resolve(payload.output);
    }
  })();
  let next = 0;
  return {
    call: () =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        raw.publish("raw.req", "supervisor", { id });
      }),
    async close() {
      await requests.return(undefined);
      await responses.return(undefined);
      await Promise.all([serve, answer]);
    },
  };
}
const bare = pubsubEcho();

type Result = CallResult;
const measure = (call: Call) =>
  measureCalls(call, {
    sequential: SEQUENTIAL_CALLS,
    inFlight: IN_FLIGHT,
    throughput: THROUGHPUT_CALLS,
  });

const targets: Record<"direct" | "validated" | "pubsub" | "protocol" | "local", Call> = {
  direct,
  validated,
  pubsub: bare.call,
  protocol,
  local,
};
for (const call of Object.values(targets)) await measure(call); // warm-up: JIT, compiled validators
const rounds: Record<string, Result[]> = {
  direct: [],
  validated: [],
  pubsub: [],
  protocol: [],
  local: [],
};
const entries = Object.entries(targets);
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order so no target always runs in the garbage of the same predecessor.
  for (let i = 0; i < entries.length; i++) {
    const [name, call] = entries[(round + i) % entries.length];
    rounds[name].push(await measure(call));
  }
}
await caller.close();
await server.close();
await localCaller.close();
await localServer.close();
await bare.close();

const results = Object.fromEntries(
  Object.entries(rounds).map(([name, list]) => [name, {
    p50Us: median(list.map((r) => r.p50Us)),
    p99Us: median(list.map((r) => r.p99Us)),
    sequentialPerSec: median(list.map((r) => r.sequentialPerSec)),
    concurrentPerSec: median(list.map((r) => r.concurrentPerSec)),
  }]),
) as Record<keyof typeof targets, Result>;

printTable(`operation call, ${ROUNDS} rounds, median (${IN_FLIGHT} in flight for concurrent)`, [
  ["target", "p50 µs", "p99 µs", "sequential calls/s", "concurrent calls/s"],
  ...Object.entries(results).map(([name, r]) => [
    name,
    r.p50Us.toFixed(2),
    r.p99Us.toFixed(2),
    r.sequentialPerSec.toFixed(0),
    r.concurrentPerSec.toFixed(0),
  ]),
]);
const ratios = {
  // How many times slower a protocol call is than calling the handler.
  protocolVsDirectSequential: results.direct.sequentialPerSec / results.protocol.sequentialPerSec,
  protocolVsDirectConcurrent: results.direct.concurrentPerSec / results.protocol.concurrentPerSec,
  // What the protocol adds beyond the pubsub round trip it rides on.
  protocolVsPubsubSequential: results.pubsub.sequentialPerSec / results.protocol.sequentialPerSec,
  protocolVsPubsubConcurrent: results.pubsub.concurrentPerSec / results.protocol.concurrentPerSec,
  // A call dispatched directly in-process, against calling the handler.
  localVsDirectSequential: results.direct.sequentialPerSec / results.local.sequentialPerSec,
  localVsDirectConcurrent: results.direct.concurrentPerSec / results.local.concurrentPerSec,
};
console.log();
for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value.toFixed(1)}×`);
record("operation_call", {
  sequentialCalls: SEQUENTIAL_CALLS,
  inFlight: IN_FLIGHT,
  throughputCalls: THROUGHPUT_CALLS,
  rounds: ROUNDS,
  results,
  ratios,
});
