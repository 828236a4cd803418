import assert from "node:assert/strict";
import { Subscription } from "../../src/pubsub/_subscription.ts";

/** A subscription over a hand-driven source. */
function source(capacity = 8) {
  const state: { deliver?: (value: number) => boolean; stop?: (error?: unknown) => void } = {};
  let detached = 0;
  const sub = new Subscription<number>((deliver, stop) => {
    state.deliver = deliver;
    state.stop = stop;
    return () => void detached++;
  }, capacity);
  return { sub, state, detached: () => detached };
}

Deno.test("Subscription answers concurrent next() calls in order, outside the queue", async () => {
  const { sub, state } = source();
  const first = sub.next(); // starts the source
  const second = sub.next();
  const third = sub.next();
  state.deliver!(1);
  state.deliver!(2);
  state.deliver!(3);
  assert.deepEqual(await Promise.all([first, second, third]), [
    { value: 1, done: false },
    { value: 2, done: false },
    { value: 3, done: false },
  ]);
  await sub.return();
});

Deno.test("Subscription queues events while the consumer is busy and drops past capacity", async () => {
  const { sub, state } = source(2);
  const first = sub.next();
  assert.equal(state.deliver!(1), true);
  assert.equal(state.deliver!(2), true);
  assert.equal(state.deliver!(3), true);
  assert.equal(state.deliver!(4), false); // full
  assert.deepEqual(await first, { value: 1, done: false });
  assert.deepEqual(await sub.next(), { value: 2, done: false });
  assert.deepEqual(await sub.next(), { value: 3, done: false });
  await sub.return();
});

Deno.test("Subscription.return() ends waiting next() calls and detaches the source", async () => {
  const { sub, state, detached } = source();
  const first = sub.next();
  state.deliver!(1);
  await first;
  const waiting = [sub.next(), sub.next()];
  await sub.return();
  assert.deepEqual(await Promise.all(waiting), [
    { value: undefined, done: true },
    { value: undefined, done: true },
  ]);
  assert.equal(detached(), 1);
  assert.equal(state.deliver!(2), true); // ignored after the end
  assert.deepEqual(await sub.next(), { value: undefined, done: true });
});

Deno.test("Subscription ends waiting next() calls when the source stops, or rejects them with its error", async () => {
  const ended = source();
  const a = ended.sub.next();
  ended.state.deliver!(1);
  await a;
  const waitingEnd = ended.sub.next();
  ended.state.stop!();
  assert.deepEqual(await waitingEnd, { value: undefined, done: true });
  assert.equal(ended.detached(), 1);

  const failed = source();
  const b = failed.sub.next();
  failed.state.deliver!(1);
  await b;
  const waitingError = failed.sub.next();
  failed.state.stop!(new Error("transport lost"));
  await assert.rejects(waitingError, /transport lost/);
});
