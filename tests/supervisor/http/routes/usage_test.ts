import assert from "node:assert/strict";
import { llmUsage } from "../../../../src/storage/mod.ts";
import { withLlmHub } from "../../llm_gateway/_helpers.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function row(keyId: string, model: string, startedAt = new Date()) {
  return {
    requestId: crypto.randomUUID(),
    keyId,
    endpoint: "chat",
    requestedModel: model,
    status: 200,
    latencyMs: 1,
    startedAt,
  };
}

Deno.test("usage API: reading never flushes the usage queue", async () => {
  await withLlmHub(async ({ hub, adminKey }) => {
    let flushes = 0;
    const flush = hub.llm.usage.flush.bind(hub.llm.usage);
    hub.llm.usage.flush = () => {
      flushes++;
      return flush();
    };
    const response = await fetch(`${hub.url}/api/v1/usage`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    // A flush per read made every read during a database outage retry every queued insert.
    assert.equal(flushes, 0);
  }, { providers: [], aliases: {} });
});

Deno.test("usage API: a range longer than 92 days is refused with 400 bad_request", async () => {
  await withLlmHub(async ({ hub, adminKey }) => {
    const get = (from: Date, to: Date) =>
      fetch(
        `${hub.url}/api/v1/usage?from=${from.toISOString()}&to=${to.toISOString()}`,
        { headers: { authorization: `Bearer ${adminKey}` } },
      );
    const to = new Date();
    const ok = await get(new Date(to.getTime() - 92 * DAY_MS), to);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const tooLong = await get(new Date(to.getTime() - 92 * DAY_MS - 1), to);
    assert.equal(tooLong.status, 400);
    const { error } = await tooLong.json();
    assert.equal(error.code, "bad_request");
    assert.match(error.message, /92 days/);
  }, { providers: [], aliases: {} });
});

Deno.test("usage API: answers pages of at most `limit` groups, the next one through `cursor`", async () => {
  await withLlmHub(async ({ hub, adminKey }) => {
    await hub.storage.database.db.insert(llmUsage).values([
      row("key-a", "m1"),
      row("key-a", "m2"),
      row("key-b", "m1"),
      row("key-b", "m1"),
      row("key-c", "m3"),
    ]);
    const get = async (query: string) => {
      const response = await fetch(`${hub.url}/api/v1/usage${query}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      return { status: response.status, body: await response.json() };
    };
    const seen: string[] = [];
    let page = await get("?limit=2");
    assert.equal(page.body.usage.length, 2);
    for (let pages = 1;; pages++) {
      assert.ok(pages <= 3, "pages end");
      for (const g of page.body.usage) seen.push(`${g.keyId}/${g.model}/${g.requests}`);
      if (page.body.nextCursor === null) break;
      page = await get(`?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    }
    assert.deepEqual(seen, ["key-a/m1/1", "key-a/m2/1", "key-b/m1/2", "key-c/m3/1"]);
    for (const bad of ["?limit=0", "?limit=1001", "?limit=x", "?cursor=not-a-cursor"]) {
      const refused = await get(bad);
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error.code, "bad_request", bad);
    }
  }, { providers: [], aliases: {} });
});
