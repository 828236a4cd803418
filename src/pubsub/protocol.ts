/**
 * The wire protocol of the Worker and WebSocket links.
 *
 * A frame is a JSON text: an array of messages (the sender batches every
 * message produced in one microtask into one frame) or a single message.
 * A message is either an event — an {@link EventEnvelope} plus the `topic` it
 * was dispatched on — or a control message whose `type` starts with `__`:
 *
 * ```json
 * [{"type":"__subscribe","topic":"session.status:p1"},
 *  {"topic":"session.status:p1","type":"session.status","id":"p1","payload":{"busy":true}}]
 * ```
 *
 * @module
 */

import type { EventEnvelope } from "./types.ts";

/** Control messages; anything else starting with `__` is unknown and dropped. */
export type ControlMessage =
  | { readonly type: "__subscribe"; readonly topic: string }
  | { readonly type: "__unsubscribe"; readonly topic: string }
  | { readonly type: "__ping"; readonly seq: number }
  | { readonly type: "__pong"; readonly seq: number }
  | { readonly type: "__close" };

/** An event on the wire: the envelope plus the topic it was dispatched on. */
export interface EventMessage extends EventEnvelope {
  readonly topic: string;
}

/** The default bound on one frame, in bytes (UTF-8). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Reserved topics and types start with `__` and never cross a link as events. */
export function isReserved(name: string): boolean {
  return name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95; // "__"
}

/**
 * True when an envelope may arrive on `topic`: pubsub dispatches on `type` and
 * `type:id` only, so anything else would hand a subscriber an event of a type
 * it did not subscribe to.
 */
export function topicMatches(topic: string, type: string, id: string): boolean {
  if (topic === type) return true;
  return topic.length === type.length + 1 + id.length && topic.startsWith(type) &&
    topic.charCodeAt(type.length) === 58 && topic.endsWith(id); // 58 is ":"
}

/** UTF-8 length of a string without allocating an encoded copy. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** True when the UTF-8 form of `text` is longer than `max`; exact only when it matters. */
export function exceedsBytes(text: string, max: number): boolean {
  // A UTF-16 unit takes 1 to 3 UTF-8 bytes, so most strings are decided by length alone.
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return utf8Length(text) > max;
}

/**
 * Encodes the envelope part of an event message (everything after the topic);
 * undefined when the envelope is not a valid, JSON-serializable envelope.
 */
export function encodeEnvelopeBody(envelope: EventEnvelope): string | undefined {
  if (typeof envelope.type !== "string" || typeof envelope.id !== "string") return undefined;
  try {
    const payload = envelope.payload === undefined
      ? ""
      : `,"payload":${JSON.stringify(envelope.payload)}`;
    return `"type":${JSON.stringify(envelope.type)},"id":${JSON.stringify(envelope.id)}${payload}}`;
  } catch {
    // BigInt, cycles or a throwing toJSON: the event cannot cross the link.
    return undefined;
  }
}

/**
 * Encodes envelope bodies, remembering the last one: pubsub dispatches each
 * envelope on "type:id" and then "type", and a server forwards it to every
 * subscribed connection, so one encoder shared by those sends serializes the
 * payload once.
 */
export class EnvelopeEncoder {
  #envelope: EventEnvelope | undefined;
  #body: string | undefined;

  /** The body for `envelope`, or undefined when it cannot be encoded. */
  encode(envelope: EventEnvelope): string | undefined {
    if (envelope !== this.#envelope) {
      this.#envelope = envelope;
      this.#body = encodeEnvelopeBody(envelope);
    }
    return this.#body;
  }
}

/** Joins a topic and an encoded envelope body into one event message. */
export function encodeEvent(topic: string, body: string): string {
  return `{"topic":${JSON.stringify(topic)},${body}`;
}

/** What one decoded message turned out to be. */
export type Decoded =
  | { readonly kind: "event"; readonly message: EventMessage }
  | { readonly kind: "control"; readonly message: ControlMessage }
  | { readonly kind: "malformed"; readonly detail: string }
  | { readonly kind: "unknownControl"; readonly detail: string };

/** Classifies one parsed message without trusting its shape. */
export function decodeMessage(value: unknown): Decoded {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "malformed", detail: "message is not an object" };
  }
  const message = value as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== "string" || type === "") {
    return { kind: "malformed", detail: "message has no type" };
  }
  if (!isReserved(type)) {
    const { topic, id } = message;
    if (typeof topic !== "string" || isReserved(topic) || topic === "") {
      return { kind: "malformed", detail: `event "${type}" has no valid topic` };
    }
    if (typeof id !== "string") return { kind: "malformed", detail: `event "${type}" has no id` };
    if (!topicMatches(topic, type, id)) {
      return { kind: "malformed", detail: `event "${type}" does not belong on its topic` };
    }
    return { kind: "event", message: message as unknown as EventMessage };
  }
  switch (type) {
    case "__subscribe":
    case "__unsubscribe": {
      const topic = message.topic;
      if (typeof topic !== "string" || topic === "" || isReserved(topic)) {
        return { kind: "malformed", detail: `${type} has no valid topic` };
      }
      return { kind: "control", message: { type, topic } };
    }
    case "__ping":
    case "__pong":
      if (typeof message.seq !== "number") {
        return { kind: "malformed", detail: `${type} has no seq` };
      }
      return { kind: "control", message: { type, seq: message.seq } };
    case "__close":
      return { kind: "control", message: { type } };
    default:
      return { kind: "unknownControl", detail: `unknown control message "${type.slice(0, 64)}"` };
  }
}
