import assert from "node:assert/strict";
import { ApiKeyService, createLastUsedTracker } from "../../src/auth/mod.ts";
import type { HubDb } from "../../src/storage/mod.ts";
import { dbTest } from "./_db.ts";
import { waitFor } from "../helpers/wait_for.ts";

/** `db` with its `execute` calls counted, and failing while `fail` is set. */
function countingDb(db: HubDb) {
  const state = { executes: 0, fail: false };
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "execute") return Reflect.get(target, property, receiver);
      return (...args: Parameters<HubDb["execute"]>) => {
        state.executes += 1;
        if (state.fail) return Promise.reject(new Error("connection reset"));
        return target.execute(...args);
      };
    },
  });
  return { db: proxy, state };
}

async function createKeys(db: HubDb, count: number): Promise<string[]> {
  const service = new ApiKeyService(db);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await service.create({ name: `k${i}`, scopes: ["llm"] }, { via: "cli" })).record.id);
  }
  return ids;
}

dbTest(
  "createLastUsedTracker(): touches are written in one statement per flush",
  async ({ db }, t) => {
    const ids = await createKeys(db, 5);
    const counted = countingDb(db);
    let ms = new Date("2030-01-01T00:00:00Z").getTime();
    const tracker = createLastUsedTracker(counted.db, { intervalMs: 0, now: () => new Date(ms) });

    await t.step("100 touches of 5 keys: no statement, then one UPDATE", async () => {
      for (let i = 0; i < 100; i++) {
        ms += 10;
        tracker.touch(ids[i % 5]);
      }
      assert.equal(counted.state.executes, 0);
      assert.equal(tracker.pending, 5);
      assert.equal(await tracker.flush(), 5);
      assert.equal(counted.state.executes, 1);
      assert.equal(tracker.pending, 0);
      const keys = await new ApiKeyService(db).list();
      // Each key carries the time of its own last touch.
      const expected = ids.map((_, k) =>
        new Date("2030-01-01T00:00:00Z").getTime() + 10 * (96 + k)
      );
      assert.deepEqual(keys.map((key) => key.lastUsedAt?.getTime()), expected);
      assert.equal(await tracker.flush(), 0);
      assert.equal(counted.state.executes, 1, "an empty flush sends nothing");
    });

    await t.step("a failed flush keeps the ids for the next one", async () => {
      counted.state.fail = true;
      tracker.touch(ids[0]);
      await assert.rejects(
        tracker.flush(),
        /^HubError: Cannot record API key use: connection reset$/,
      );
      assert.equal(tracker.pending, 1);
      counted.state.fail = false;
      ms += 1000;
      tracker.touch(ids[1]);
      assert.equal(await tracker.flush(), 2);
      const keys = await new ApiKeyService(db).list();
      assert.equal(keys[1].lastUsedAt?.getTime(), ms);
    });

    await t.step("an older time never overwrites a newer one", async () => {
      const before = (await new ApiKeyService(db).get(ids[1])).lastUsedAt;
      ms -= 60_000;
      tracker.touch(ids[1]);
      await tracker.flush();
      assert.deepEqual((await new ApiKeyService(db).get(ids[1])).lastUsedAt, before);
    });

    await t.step("close() flushes what is left", async () => {
      tracker.touch(ids[4]);
      const executes = counted.state.executes;
      await tracker.close();
      assert.equal(counted.state.executes, executes + 1);
      assert.equal(tracker.pending, 0);
    });
  },
);

dbTest("createLastUsedTracker(): pending ids are bounded, even across failures", async ({ db }) => {
  const ids = await createKeys(db, 3);
  const counted = countingDb(db);
  const tracker = createLastUsedTracker(counted.db, { intervalMs: 0, maxPending: 2 });
  counted.state.fail = true;
  for (const id of ids) tracker.touch(id);
  assert.equal(tracker.pending, 2);
  await assert.rejects(tracker.flush());
  tracker.touch(ids[0]);
  assert.equal(tracker.pending, 2);
  counted.state.fail = false;
  await tracker.close();
  const used = (await new ApiKeyService(db).list()).map((key) => key.lastUsedAt !== null);
  assert.deepEqual(used, [true, false, true], "the stalest id was dropped");
});

dbTest("createLastUsedTracker(): the timer flushes on its own", async ({ db }) => {
  const [id] = await createKeys(db, 1);
  const counted = countingDb(db);
  const tracker = createLastUsedTracker(counted.db, { intervalMs: 20 });
  tracker.touch(id);
  // The one real wait in this suite: the timer is what is under test.
  await waitFor(() => tracker.pending === 0, { what: "the timer's flush", intervalMs: 20 });
  await tracker.close();
  assert.equal(counted.state.executes, 1);
  assert.ok((await new ApiKeyService(db).get(id)).lastUsedAt);
});
