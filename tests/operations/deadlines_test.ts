import assert from "node:assert/strict";
import { DeadlineQueue } from "../../src/operations/_deadlines.ts";

Deno.test("DeadlineQueue fires each live key once, earliest first, and skips deleted ones", async () => {
  const fired: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const queue = new DeadlineQueue<string>((key) => {
    fired.push(key);
    if (key === "last") done();
  });
  const now = Date.now();
  queue.add("last", now + 12);
  queue.add("b", now + 6);
  queue.add("a", now + 3);
  queue.add("gone", now + 4);
  queue.add("moved", now + 1);
  queue.add("moved", now + 9); // re-added: only the later deadline counts
  queue.delete("gone");
  assert.equal(queue.size, 4);
  await finished;
  assert.deepEqual(fired, ["a", "b", "moved", "last"]);
  assert.equal(queue.size, 0);
  queue.clear();
});

Deno.test("DeadlineQueue never fires keys settled before their deadline, across heap rebuilds", () => {
  const queue = new DeadlineQueue<number>(() => assert.fail("nothing should expire"));
  const far = Date.now() + 60_000;
  for (let i = 0; i < 100_000; i++) {
    queue.add(i, far + i);
    queue.delete(i);
  }
  assert.equal(queue.size, 0);
  queue.clear();
});
