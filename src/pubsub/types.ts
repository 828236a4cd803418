/**
 * The types every part of `@alkdev/pubsub` shares: the typed event target
 * interface (adapted from `@graphql-yoga/typed-event-target`, MIT), the event
 * envelope, the event map and the transport statistics.
 *
 * @module
 */

/** An event whose `type` and `detail` are typed; `CustomEvent`'s untyped pair is replaced. */
export interface TypedEvent<TType extends string = string, TDetail = unknown>
  extends Omit<CustomEvent, "type" | "detail"> {
  readonly type: TType;
  readonly detail: TDetail;
}

/** A listener function for one event type. */
export interface TypedEventListener<TEvent extends Event> {
  (evt: TEvent): void;
}

/** A listener object for one event type. */
export interface TypedEventListenerObject<TEvent extends Event> {
  handleEvent(object: TEvent): void;
}

/** Either listener form, or `null` as `EventTarget` accepts. */
export type TypedEventListenerOrEventListenerObject<TEvent extends Event> =
  | TypedEventListener<TEvent>
  | TypedEventListenerObject<TEvent>
  | null;

/** An `EventTarget` whose dispatched and listened-to events are constrained to `TEvent`. */
export interface TypedEventTarget<TEvent extends Event> extends EventTarget {
  addEventListener(
    type: string,
    callback: TypedEventListenerOrEventListenerObject<TEvent>,
    options?: AddEventListenerOptions | boolean,
  ): void;
  dispatchEvent(event: TEvent): boolean;
  removeEventListener(
    type: string,
    callback: TypedEventListenerOrEventListenerObject<TEvent>,
    options?: EventListenerOptions | boolean,
  ): void;
}

/** What a subscriber receives and what crosses every process boundary. */
export interface EventEnvelope<TPayload = unknown, TType extends string = string> {
  /** The event type, e.g. `"session.status"`. */
  readonly type: TType;
  /** The topic or correlation id the event was published under. */
  readonly id: string;
  readonly payload: TPayload;
}

/**
 * Event type → payload. An interface or a type literal both work; keys
 * starting with `__` are reserved for transport control messages.
 */
export type PubSubEventMap = object;

/** The string event types of a map, without reserved `__` keys. */
export type EventType<TEventMap extends PubSubEventMap> = Exclude<
  Extract<keyof TEventMap, string>,
  `__${string}`
>;

/** The event a pubsub dispatches on its target: `type` is the topic, `detail` the envelope. */
export type PubSubEvent = TypedEvent<string, EventEnvelope>;

/** A target a pubsub can run over; every transport in this package is one. */
export type PubSubEventTarget = TypedEventTarget<PubSubEvent>;

/** Why a message was dropped instead of delivered. */
export type DropReason =
  | "malformed"
  | "oversized"
  | "unknownControl"
  | "denied"
  | "slowConsumer"
  | "overflow"
  | "closed";

/** Context for a drop; never contains the payload itself. */
export interface DropInfo {
  /** The topic concerned, when it is known. */
  readonly topic?: string;
  /** Size of the offending frame or message in bytes, when measured. */
  readonly bytes?: number;
  /** A short human-readable explanation. */
  readonly detail?: string;
}

/** Callback told about every dropped message; it must not throw. */
export type OnDrop = (reason: DropReason, info: DropInfo) => void;

/** Counters every transport exposes through `stats()`. */
export interface TransportStats {
  readonly dropped: {
    readonly malformed: number;
    readonly oversized: number;
    readonly unknownControl: number;
    readonly denied: number;
    readonly slowConsumer: number;
  };
  /** Events handed to the wire (after subscription filtering). */
  readonly sent: number;
  /** Events received from the wire and dispatched locally. */
  readonly received: number;
  /** Topics with at least one local listener (reserved `__` topics excluded). */
  readonly localTopics: number;
  /** Topics the other side asked for (links only; 0 elsewhere). */
  readonly remoteTopics: number;
}

/** The surface shared by every transport besides the event target itself. */
export interface PubSubTransport extends PubSubEventTarget {
  /**
   * Resolves once every subscribe/unsubscribe issued so far has taken effect
   * at the other end, so an event published after it reaches this side.
   */
  sync(): Promise<void>;
  /** Counters for drops and traffic. */
  stats(): TransportStats;
  /** Ends every subscription on this target and releases its resources. */
  close(): Promise<void>;
}
