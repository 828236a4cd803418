/**
 * A router joins one process's pubsub with any number of links (Worker ports,
 * WebSockets): an event published on one side reaches every side that
 * subscribed to its topic, and never goes back over the link it came from.
 *
 * Interest is propagated, not flooded: the router subscribes to a topic over
 * a link only while someone else (a local listener or another link's peer)
 * wants it, so an actor that publishes a topic nobody reads sends nothing.
 *
 * ```ts ignore
 * const router = createPubSubRouter();
 * const pubsub = createPubSub<Events>({ eventTarget: router });
 * const detach = router.addLink(createWorkerHostEventTarget(port));
 * ```
 *
 * @module
 */

import { LinkEventTarget } from "./_link_target.ts";
import { CLOSE_TOPIC, ListenerRegistry } from "./_listener_registry.ts";
import { isReserved } from "./protocol.ts";
import type {
  PubSubEvent,
  PubSubTransport,
  TransportStats,
  TypedEventListener,
  TypedEventListenerOrEventListenerObject,
} from "./types.ts";

type Listener = TypedEventListenerOrEventListenerObject<PubSubEvent>;

/** The router transport: a local target plus links. */
export interface PubSubRouter extends PubSubTransport {
  /** Routes between this router and a link target until the link closes or the returned function is called. */
  addLink(target: PubSubTransport): () => void;
  /** Links attached now. */
  linkCount(): number;
  /** Local listeners on `topic`, or on every topic. */
  listenerCount(topic?: string): number;
}

/** Per link: the relay listener of each topic the router holds over it. */
type Relays = Map<string, TypedEventListener<PubSubEvent>>;

/** Creates a router; `close()` ends local subscriptions and detaches every link (links stay open). */
export function createPubSubRouter(): PubSubRouter {
  const links = new Map<LinkEventTarget, Relays>();
  const local = new ListenerRegistry({ onFirst: (t) => refresh(t), onLast: (t) => refresh(t) });
  let closed = false;

  /** Whether anyone but `except` wants `topic`: a local listener or another link's peer. */
  const wanted = (topic: string, except: LinkEventTarget) => {
    if (local.count(topic) > 0) return true;
    for (const target of links.keys()) {
      if (target !== except && target.link.peerWants(topic)) return true;
    }
    return false;
  };

  /** Holds `topic` over `target` exactly while someone else wants it. */
  const align = (target: LinkEventTarget, relays: Relays, topic: string) => {
    if (isReserved(topic)) return;
    const relay = relays.get(topic);
    const should = !target.closed && wanted(topic, target);
    if (should && !relay) {
      const listener = (event: PubSubEvent) => route(event, target);
      relays.set(topic, listener);
      target.addEventListener(topic, listener);
    } else if (!should && relay) {
      relays.delete(topic);
      target.removeEventListener(topic, relay);
    }
  };

  function refresh(topic: string, except?: LinkEventTarget): void {
    for (const [target, relays] of links) if (target !== except) align(target, relays, topic);
  }

  /** Delivers locally and over every other link whose peer subscribed (`forward` checks). */
  function route(event: PubSubEvent, from?: LinkEventTarget): void {
    local.dispatch(event);
    if (isReserved(event.type)) return;
    for (const target of links.keys()) if (target !== from) target.link.forward(event);
  }

  const detach = (target: LinkEventTarget) => {
    const relays = links.get(target);
    if (!relays) return;
    links.delete(target);
    target.link.onPeerTopic = undefined;
    for (const [topic, relay] of relays) target.removeEventListener(topic, relay);
    for (const topic of target.link.remoteTopics()) refresh(topic);
  };

  return {
    addLink(target) {
      if (!(target instanceof LinkEventTarget)) {
        throw new TypeError("Cannot add link: the target is not a Worker or WebSocket link target");
      }
      if (closed) throw new TypeError("Cannot add link: the router is closed");
      if (target.closed || links.has(target)) return () => detach(target);
      const relays: Relays = new Map();
      links.set(target, relays);
      target.link.onPeerTopic = (topic) => refresh(topic, target);
      target.addEventListener(CLOSE_TOPIC, () => detach(target), { once: true });
      const topics = new Set(local.topics());
      for (const other of links.keys()) {
        for (const topic of other.link.remoteTopics()) topics.add(topic);
      }
      for (const topic of topics) align(target, relays, topic);
      for (const topic of target.link.remoteTopics()) refresh(topic, target);
      return () => detach(target);
    },
    linkCount: () => links.size,
    listenerCount: (topic?: string) => local.count(topic),
    addEventListener(
      topic: string,
      listener: Listener,
      options?: AddEventListenerOptions | boolean,
    ) {
      local.add(topic, listener, options);
    },
    removeEventListener: (topic: string, listener: Listener) => local.remove(topic, listener),
    dispatchEvent(event: PubSubEvent) {
      if (closed) return false;
      route(event);
      return true;
    },
    async sync() {
      // A link that closes meanwhile is detached, not an error of the router.
      await Promise.all([...links.keys()].map((target) => target.sync().catch(() => {})));
    },
    stats(): TransportStats {
      const all = [...links.keys()].map((target) => target.stats());
      const sum = (pick: (stats: TransportStats) => number) =>
        all.reduce((total, stats) => total + pick(stats), 0);
      return {
        dropped: {
          malformed: sum((s) => s.dropped.malformed),
          oversized: sum((s) => s.dropped.oversized),
          unknownControl: sum((s) => s.dropped.unknownControl),
          denied: sum((s) => s.dropped.denied),
          slowConsumer: sum((s) => s.dropped.slowConsumer),
        },
        sent: sum((s) => s.sent),
        received: sum((s) => s.received),
        localTopics: local.topics().filter((topic) => !isReserved(topic)).length,
        remoteTopics: sum((s) => s.remoteTopics),
      };
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const target of [...links.keys()]) detach(target);
      local.close();
      return Promise.resolve();
    },
  };
}
