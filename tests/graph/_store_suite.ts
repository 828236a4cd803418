/**
 * Call-graph persistence, run against PGlite always and PostgreSQL when
 * HUB_TEST_DATABASE_URL is set (`call_graph_store_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { count, eq } from "drizzle-orm";
import { CallGraph, createCallGraphStore, seedCallGraphTypes } from "../../src/graph/mod.ts";
import { writeBatch } from "../../src/graph/_call_graph_sql.ts";
import { edges, graphs, graphTypes, type HubDb, nodes } from "../../src/storage/mod.ts";
import {
  admin,
  child,
  echo,
  opsUser,
  parent,
  rig,
  waitsForAbort,
} from "../operations/_fixtures.ts";
import { recorded, settled, shape } from "./_helpers.ts";

async function rows(
  db: HubDb,
  table: typeof nodes | typeof edges | typeof graphs,
): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(table);
  return n;
}

/** A db whose next `failures` transactions fail, as when the connection drops. */
function flaky(db: HubDb, failures: { left: number }): HubDb {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "transaction" && failures.left > 0) {
        failures.left -= 1;
        return () => Promise.reject(new Error("connection lost"));
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** Registers the persistence steps under `t` against `db`. */
export async function storeSuite(t: Deno.TestContext, db: HubDb): Promise<void> {
  await t.step("seeding the call-graph types is idempotent, also when concurrent", async () => {
    const [a, b, c] = await Promise.all([
      seedCallGraphTypes(db),
      seedCallGraphTypes(db),
      seedCallGraphTypes(db),
    ]);
    assert.deepEqual(a, b);
    assert.deepEqual(b, c);
    const types = await db.select().from(graphTypes).where(eq(graphTypes.name, "call-graph"));
    assert.equal(types.length, 1);
    assert.equal(types[0].scope, "system");
  });

  const waits = waitsForAbort(() => {});
  const { pubsub, caller, close } = rig([echo, parent, child, waits]);
  const graph = new CallGraph({ pubsub });
  const store = await createCallGraphStore({ db, graph, flushIntervalMs: 60_000 });
  try {
    await t.step("one flush writes many calls in a few multi-row statements", async () => {
      const roots = Array.from({ length: 10 }, (_, i) => `batch-${i}`);
      await Promise.all(
        roots.map((id) => caller.call(parent, {}, { identity: opsUser, requestId: id })),
      );
      await Promise.all(roots.map((id) => settled(graph, id)));
      const result = await store.flush();
      // 10 trees × 4 calls; every call but the roots has an edge.
      assert.deepEqual(result, { calls: 40, edges: 30, statements: 2 });
      assert.equal(await rows(db, nodes), 40);
      assert.equal(await rows(db, edges), 30);
      // Every call is a node of the one calls graph; its caller is in its attributes.
      assert.equal(await rows(db, graphs), 1);
      const [root] = await db.select().from(nodes).where(eq(nodes.key, "batch-0"));
      assert.equal(root.graphId, "call-graph");
      assert.equal((root.attributes as { callerKeyId?: string }).callerKeyId, "key-ops");
      assert.deepEqual(await store.flush(), { calls: 0, edges: 0, statements: 0 });
    });

    await t.step("a subtree loads back from the database once memory is gone", async () => {
      const inMemory = graph.get("batch-3")!;
      const fresh = new CallGraph({ pubsub }); // another hub, or after eviction
      const reader = await createCallGraphStore({ db, graph: fresh, flushIntervalMs: 60_000 });
      try {
        assert.equal(fresh.get("batch-3"), undefined);
        assert.deepEqual(await reader.getCall("batch-3"), inMemory);
        const childId = inMemory.children[1].call.requestId;
        assert.deepEqual(await reader.load(childId), inMemory.children[1]);
        const shallow = (await reader.load("batch-3", { maxDepth: 1 }))!;
        assert.deepEqual(shape(shallow), ["test.parent", "ok", [["test.echo", "ok", []], [
          "test.child",
          "ok",
          [],
        ]]]);
        assert.equal(shallow.children[1].truncated, true);
        assert.equal(await reader.getCall("missing"), undefined);
      } finally {
        await reader.close();
        await fresh.close();
      }
    });

    await t.step("a client's request id is stored with its call and loads back", async () => {
      await caller.call(echo, { text: "hi" }, {
        identity: opsUser,
        requestId: "with-client-id",
        clientRequestId: "client-7",
      });
      const inMemory = await settled(graph, "with-client-id");
      assert.equal(inMemory.clientRequestId, "client-7");
      await store.flush();
      const fresh = new CallGraph({ pubsub });
      const reader = await createCallGraphStore({ db, graph: fresh, flushIntervalMs: 60_000 });
      try {
        assert.equal((await reader.load("with-client-id"))?.call.clientRequestId, "client-7");
      } finally {
        await reader.close();
        await fresh.close();
      }
    });

    await t.step("status changes update the node; a final state is never overwritten", async () => {
      const controller = new AbortController();
      const call = caller.call(waits, {}, {
        identity: admin,
        signal: controller.signal,
        requestId: "live",
      });
      const running = await recorded(graph, "live");
      await store.flush();
      const read = async () =>
        (await db.select({ a: nodes.attributes }).from(nodes).where(eq(nodes.id, "call:live")))[0]
          .a;
      assert.equal((await read()).status, "running");
      controller.abort();
      await assert.rejects(call);
      await settled(graph, "live");
      await store.flush();
      assert.equal((await read()).status, "aborted");
      // A hub that only saw the start writes "running" late: ignored.
      const ids = await seedCallGraphTypes(db);
      await writeBatch(db, ids, [running], [], 500);
      assert.equal((await read()).status, "aborted");
    });

    await t.step(
      "a failed flush keeps its rows, is logged, and the retry writes them",
      async () => {
        const warnings: string[] = [];
        const log = {
          debug() {},
          info() {},
          error() {},
          warn: (message: string) => void warnings.push(message),
        };
        const failures = { left: 1 };
        const other = new CallGraph({ pubsub });
        const retrying = await createCallGraphStore({
          db: flaky(db, failures),
          graph: other,
          log,
          flushIntervalMs: 60_000,
        });
        try {
          await caller.call(parent, {}, { identity: admin, requestId: "retry" });
          await settled(other, "retry");
          await assert.rejects(retrying.flush(), /connection lost/);
          assert.equal(warnings.length, 1);
          assert.match(warnings[0], /^Cannot write the call graph/);
          assert.equal(retrying.stats().pending, 4);
          assert.deepEqual(await retrying.flush(), { calls: 4, edges: 3, statements: 2 });
          assert.deepEqual(retrying.stats(), {
            flushes: 1,
            failures: 1,
            consecutiveFailures: 0,
            callsWritten: 4,
            dropped: 0,
            pending: 0,
          });
          assert.ok(await store.load("retry"));
        } finally {
          await retrying.close();
          await other.close();
        }
      },
    );

    await t.step(
      "while writes fail, the buffer is bounded and drops the oldest calls",
      async () => {
        const failures = { left: 100 };
        const other = new CallGraph({ pubsub });
        const bounded = await createCallGraphStore({
          db: flaky(db, failures),
          graph: other,
          maxPendingCalls: 5,
          flushIntervalMs: 60_000,
        });
        try {
          for (let i = 0; i < 3; i++) {
            await caller.call(parent, {}, { identity: admin, requestId: `drop-${i}` });
            await settled(other, `drop-${i}`);
          }
          await assert.rejects(bounded.flush());
          assert.equal(bounded.stats().pending, 5);
          assert.equal(bounded.stats().dropped, 7);
        } finally {
          failures.left = 0;
          await bounded.close(); // the final flush writes what survived
          await other.close();
        }
        assert.equal(await store.load("drop-0"), undefined);
        assert.ok(await store.load("drop-2"));
      },
    );

    await t.step(
      "statements hold at most maxBatchRows rows; close() flushes what is left",
      async () => {
        const other = new CallGraph({ pubsub });
        const small = await createCallGraphStore({
          db,
          graph: other,
          maxBatchRows: 3,
          flushIntervalMs: 60_000,
        });
        try {
          await caller.call(parent, {}, { identity: admin, requestId: "chunked" });
          await settled(other, "chunked");
          // 4 node rows in 2 statements, 3 edge rows in 1.
          assert.deepEqual(await small.flush(), { calls: 4, edges: 3, statements: 3 });
          await caller.call(parent, {}, { identity: admin, requestId: "closing" });
          await settled(other, "closing");
        } finally {
          await small.close();
          await other.close();
        }
        assert.deepEqual(shape((await store.load("closing"))!), ["test.parent", "ok", [
          ["test.echo", "ok", []],
          ["test.child", "ok", [["test.echo", "ok", []]]],
        ]]);
      },
    );
  } finally {
    await store.close();
    await graph.close();
    await close();
  }
}
