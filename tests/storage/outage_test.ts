import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { HubError } from "@hub/errors";
import { ApiKeyService } from "../../src/auth/mod.ts";
import { isDatabaseUnavailable, openDatabase } from "../../src/storage/mod.ts";
import { freshPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";
import { withHub } from "../helpers/hub.ts";
import { startPgProxy } from "./_pg_proxy.ts";

const CLI = { via: "cli" } as const;
// Short, so the test is quick; a hang would outlast the guard below many times over.
const TIMEOUTS = { connectTimeoutMs: 300, statementTimeoutMs: 300 };

function isUnavailable(error: unknown): boolean {
  assert.ok(error instanceof HubError, `expected a HubError, got ${error}`);
  assert.equal(error.code, "unavailable", error.message);
  return true;
}

/** Fails (instead of hanging the run) when `promise` has not settled after `ms`. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** A key service on a PostgreSQL database reached through a relay the test can break. */
async function behindProxy(
  fn: (parts: {
    service: ApiKeyService;
    database: Awaited<ReturnType<typeof openDatabase>>;
    proxy: ReturnType<typeof startPgProxy>;
    key: string;
  }) => Promise<void>,
) {
  const direct = await freshPostgres();
  using proxy = startPgProxy(direct.url);
  const database = await openDatabase({ url: proxy.url, poolSize: 2, ...TIMEOUTS });
  try {
    const service = new ApiKeyService(database.db);
    const { key } = await service.create({ name: "outage", scopes: ["llm"] }, CLI);
    await fn({ service, database, proxy, key });
  } finally {
    await database.close().catch(() => {});
    await direct.drop();
  }
}

Deno.test({
  name: "a stopped PostgreSQL answers unavailable, not internal [postgres]",
  ignore: !TEST_DATABASE_URL,
  sanitizeResources: false, // the pool's sockets die with the relay, not by close()
  async fn() {
    await behindProxy(async ({ service, database, proxy, key }) => {
      assert.equal((await service.verify(key)).name, "outage");
      proxy.stop();
      await assert.rejects(service.verify(key), isUnavailable);
      await assert.rejects(service.list(), (error) => isDatabaseUnavailable(error));
      await assert.rejects(database.ping(), isUnavailable);
    });
  },
});

Deno.test({
  name: "a hung PostgreSQL fails requests unavailable at the timeouts [postgres]",
  ignore: !TEST_DATABASE_URL,
  sanitizeResources: false,
  sanitizeOps: false, // a query the server never answered is abandoned, not finished
  async fn() {
    await behindProxy(async ({ service, database, proxy, key }) => {
      await database.db.execute(sql`select 1`);
      proxy.pause();
      // On a pooled connection: the query timeout; then a new connection: the connect timeout.
      await assert.rejects(settlesWithin(service.verify(key), 10_000), isUnavailable);
      await assert.rejects(settlesWithin(service.verify(key), 10_000), isUnavailable);
      await assert.rejects(settlesWithin(database.ping(), 10_000), isUnavailable);
    });
  },
});

Deno.test("isDatabaseUnavailable() tells an outage from a query error", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
    code: "ECONNREFUSED",
  });
  const wrapped = new Error("Failed query: select 1", { cause: refused });
  assert.ok(isDatabaseUnavailable(wrapped));
  assert.ok(isDatabaseUnavailable(new Error("Query read timeout")));
  assert.ok(isDatabaseUnavailable(Object.assign(new Error("shutdown"), { code: "57P01" })));
  assert.ok(isDatabaseUnavailable(Object.assign(new Error("canceled"), { code: "57014" })));
  assert.ok(!isDatabaseUnavailable(Object.assign(new Error("duplicate"), { code: "23505" })));
  assert.ok(!isDatabaseUnavailable(new Error("boom")));
});

Deno.test({
  name: "a hub on a stopped PostgreSQL answers 503 unavailable with Retry-After [postgres]",
  ignore: !TEST_DATABASE_URL,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const direct = await freshPostgres();
    using proxy = startPgProxy(direct.url);
    try {
      await withHub(async (_hub, { request }) => {
        const created = await request("/api/v1/keys", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "never-verified", scopes: ["admin"] }),
        });
        assert.equal(created.status, 201);
        const { key } = await created.json();
        proxy.stop();
        const response = await request("/api/v1/keys", { key });
        assert.equal(response.status, 503);
        assert.equal(response.headers.get("retry-after"), "5");
        const body = await response.json();
        assert.equal(body.error.code, "unavailable");
        assert.match(body.error.message, /^Cannot verify API key: the database is not answering$/);
      }, { databaseUrl: proxy.url });
    } finally {
      await direct.drop();
    }
  },
});
