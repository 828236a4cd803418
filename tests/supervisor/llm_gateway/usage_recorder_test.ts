import assert from "node:assert/strict";
import { count } from "drizzle-orm";
import {
  type Database,
  type HubDb,
  llmUsage,
  type NewLlmUsageRow,
} from "../../../src/storage/mod.ts";
import { queryUsage, UsageRecorder } from "../../../src/supervisor/llm_gateway/mod.ts";
import { freshPglite, freshPostgres } from "../../helpers/db.ts";
import { TEST_DATABASE_URL } from "../../helpers/services.ts";

const row = (keyId: string, model: string, output: number, errorCode: string | null = null) =>
  ({
    requestId: crypto.randomUUID(),
    keyId,
    endpoint: "chat",
    requestedModel: model,
    provider: "local",
    model,
    stream: true,
    inputTokens: 10,
    outputTokens: output,
    usageEstimated: false,
    status: errorCode ? 502 : 200,
    errorCode,
    latencyMs: 1.5,
    ttfcMs: null,
    attempts: 1,
    startedAt: new Date(),
  }) satisfies NewLlmUsageRow;

async function recorderSpec(
  t: Deno.TestContext,
  open: () => Promise<Database & { drop?(): Promise<void> }>,
) {
  const database = await open();
  const rows = async () => (await database.db.select({ n: count() }).from(llmUsage))[0].n;
  try {
    await t.step("writes full batches at once and the rest on flush, every row once", async () => {
      const recorder = new UsageRecorder(database.db, { maxBatch: 100, flushIntervalMs: 60_000 });
      for (let i = 0; i < 250; i++) recorder.record(row("k1", "m", 1));
      await recorder.flush();
      assert.equal(await rows(), 250);
      assert.equal(recorder.pending, 0);
      recorder.record(row("k1", "m", 1));
      await recorder.close(); // the last records are written at close
      assert.equal(await rows(), 251);
    });
    await t.step(
      "odd client or upstream values are cleaned, never blocking later records",
      async () => {
        const recorder = new UsageRecorder(database.db, { maxBatch: 100, flushIntervalMs: 60_000 });
        const before = await rows();
        // A NUL in a client-chosen model name and out-of-range token counts from an upstream.
        recorder.record({
          ...row("k-odd", "a\u0000b", 1),
          outputTokens: 2 ** 40,
          inputTokens: 1.5,
        });
        recorder.record(row("k-odd", "fine", 1));
        await recorder.flush();
        assert.equal(recorder.pending, 0);
        assert.equal(await rows(), before + 2);
        recorder.record(row("k-odd", "later", 1));
        await recorder.close();
        assert.equal(await rows(), before + 3);
      },
    );
    await t.step("aggregates by key and model over a range", async () => {
      const recorder = new UsageRecorder(database.db);
      recorder.record(row("k2", "a", 3));
      recorder.record(row("k2", "a", 4, "upstream_error"));
      recorder.record(row("k3", "b", 5));
      await recorder.close();
      const { groups } = await queryUsage(database.db, {
        from: new Date(Date.now() - 60_000),
        to: new Date(Date.now() + 60_000),
        keyId: "k2",
        limit: 1000,
      });
      assert.deepEqual(
        groups.map((g) => [g.keyId, g.model, g.requests, g.errors, g.outputTokens]),
        [
          ["k2", "a", 2, 1, 7],
        ],
      );
    });
  } finally {
    if (database.drop) await database.drop();
    else await database.close();
  }
}

Deno.test("UsageRecorder on PGlite", async (t) => {
  await recorderSpec(t, freshPglite);
});

Deno.test({
  name: "UsageRecorder on PostgreSQL",
  ignore: !TEST_DATABASE_URL,
  async fn(t) {
    await recorderSpec(t, () => freshPostgres());
  },
});

Deno.test("UsageRecorder: while a failed write waits for its retry, new records only queue", async () => {
  let inserts = 0;
  const down = {
    execute() {
      inserts++;
      return Promise.reject(new Error("database down"));
    },
  } as unknown as HubDb;
  const recorder = new UsageRecorder(down, { maxBatch: 2, flushIntervalMs: 60_000 });
  recorder.record(row("k", "m", 1));
  recorder.record(row("k", "m", 1)); // a full batch: written at once, and fails
  await recorder.flush(); // fails again: the rows wait for the retry timer
  const before = inserts;
  for (let i = 0; i < 5; i++) recorder.record(row("k", "m", 1));
  // Only close() writes now: one batch insert and one insert per row of it.
  await recorder.close();
  assert.equal(inserts - before, 3);
  assert.equal(recorder.pending, 7);
});
