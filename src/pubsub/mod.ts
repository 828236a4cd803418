/**
 * `@alkdev/pubsub`: typed publish/subscribe whose transport is any
 * {@link TypedEventTarget} — in-process (default), Worker, WebSocket or Redis —
 * plus async-iterable operators for the subscriptions.
 *
 * ```ts
 * import { createPubSub, pipe, take, toArray } from "@alkdev/pubsub";
 *
 * type Events = { "job.done": { ok: boolean } };
 * const pubsub = createPubSub<Events>();
 * // Iteration starts inside pipe(), so the subscription is attached before publish.
 * const done = pipe(pubsub.subscribe("job.done", "j1"), take(1), toArray());
 * pubsub.publish("job.done", "j1", { ok: true });
 * console.log(await done); // [{ type: "job.done", id: "j1", payload: { ok: true } }]
 * ```
 *
 * @module
 */
export { createPubSub, type PubSub, type PubSubOptions } from "./create_pub_sub.ts";
export { createPubSubRouter, type PubSubRouter } from "./router.ts";
export {
  createInProcessEventTarget,
  type InProcessEventTarget,
} from "./event_target_in_process.ts";
export {
  createWorkerHostEventTarget,
  type WorkerEventTarget,
  type WorkerEventTargetOptions,
} from "./event_target_worker_host.ts";
export { createWorkerThreadEventTarget } from "./event_target_worker_thread.ts";
export {
  createWebSocketClientEventTarget,
  type WebSocketClientEventTarget,
  type WebSocketClientEventTargetOptions,
} from "./event_target_websocket_client.ts";
export {
  type ConnectionTarget,
  createWebSocketServerEventTarget,
  type DisconnectionInfo,
  type WebSocketServerEventTarget,
  type WebSocketServerEventTargetOptions,
} from "./event_target_websocket_server.ts";
export {
  createRedisEventTarget,
  type RedisEventTarget,
  type RedisEventTargetOptions,
} from "./event_target_redis.ts";
export {
  batch,
  type BatchOptions,
  chain,
  dedupe,
  filter,
  flat,
  groupBy,
  join,
  map,
  pipe,
  reduce,
  take,
  toArray,
  window,
} from "./operators/mod.ts";
export type {
  DropInfo,
  DropReason,
  EventEnvelope,
  EventType,
  OnDrop,
  PubSubEvent,
  PubSubEventMap,
  PubSubEventTarget,
  PubSubTransport,
  TransportStats,
  TypedEvent,
  TypedEventListener,
  TypedEventListenerObject,
  TypedEventListenerOrEventListenerObject,
  TypedEventTarget,
} from "./types.ts";
