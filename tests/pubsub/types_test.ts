/**
 * Type tests for the public surface: each `@ts-expect-error` must stay an
 * error under `deno check`, so misuse of the event map is caught statically.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createInProcessEventTarget,
  createPubSub,
  type EventEnvelope,
  filter,
  map,
  pipe,
  type PubSubEventTarget,
  take,
  toArray,
} from "@alkdev/pubsub";

interface Events {
  "session.status": { busy: boolean };
  "message.updated": { text: string };
  __internal: { never: true };
}

Deno.test("pubsub types follow the event map", async () => {
  const pubsub = createPubSub<Events>();

  pubsub.publish("session.status", "p1", { busy: true });
  // @ts-expect-error unknown event type
  pubsub.publish("session.unknown", "p1", { busy: true });
  // @ts-expect-error wrong payload type
  pubsub.publish("session.status", "p1", { busy: "yes" });
  // @ts-expect-error payload of another event
  pubsub.publish("session.status", "p1", { text: "hi" });
  // @ts-expect-error reserved "__" keys are excluded from publishable types
  assert.throws(() => pubsub.publish("__internal", "p1", { never: true }), TypeError);
  // @ts-expect-error the id is a string
  assert.throws(() => pubsub.publish("session.status", 1, { busy: true }), TypeError);
  // @ts-expect-error unknown event type
  pubsub.subscribe("nope"); // never iterated, so never attached

  const sub = pubsub.subscribe("message.updated", "s1");
  const first = sub.next();
  pubsub.publish("message.updated", "s1", { text: "hello" });
  const event = (await first).value as EventEnvelope<{ text: string }, "message.updated">;
  const text: string = event.payload.text;
  const type: "message.updated" = event.type;
  // @ts-expect-error payload is typed per event
  const wrong: number = event.payload.text;
  assert.deepEqual([text, type, wrong], ["hello", "message.updated", "hello"]);
  await sub.return();
});

Deno.test("operators keep element types through pipe", async () => {
  const pubsub = createPubSub<Events>();
  const texts = pipe(
    pubsub.subscribe("message.updated"),
    filter((e) => e.payload.text !== ""),
    map((e) => e.payload.text),
    take(1),
    toArray(),
  );
  pubsub.publish("message.updated", "s1", { text: "a" });
  const result: string[] = await texts;
  // @ts-expect-error the result is string[]
  const numbers: number[] = result;
  assert.deepEqual(numbers, ["a"]);
});

Deno.test("transports and a plain EventTarget are valid eventTargets", () => {
  const targets: PubSubEventTarget[] = [createInProcessEventTarget(), new EventTarget()];
  assert.equal(targets.length, 2);
});
