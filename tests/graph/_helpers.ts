/**
 * Waiting for the call graph to catch up: it observes the pubsub on its own
 * subscriptions, so a resolved call may not be recorded yet.
 *
 * @module
 */
import type { CallGraph, CallRecord } from "../../src/graph/mod.ts";

/** Resolves with the record of `requestId` once it is final (not `running`). */
export function settled(graph: CallGraph, requestId: string): Promise<CallRecord> {
  const now = graph.record(requestId);
  if (now && now.status !== "running") return Promise.resolve(now);
  return new Promise((resolve) => {
    const stop = graph.onChange((call) => {
      if (call.requestId !== requestId || call.status === "running") return;
      stop();
      resolve(call);
    });
  });
}

/** Resolves once `graph` holds `requestId` (in any state). */
export function recorded(graph: CallGraph, requestId: string): Promise<CallRecord> {
  const now = graph.record(requestId);
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const stop = graph.onChange((call) => {
      if (call.requestId !== requestId) return;
      stop();
      resolve(call);
    });
  });
}

/** The tree as `[operation, status, children]` tuples, for compact assertions. */
export type Shape = [string, string, Shape[]];

/** The shape of a call tree. */
export function shape(tree: { call: CallRecord; children: unknown[] }): Shape {
  return [
    tree.call.operation,
    tree.call.status,
    (tree.children as { call: CallRecord; children: unknown[] }[]).map(shape),
  ];
}
