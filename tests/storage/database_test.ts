import assert from "node:assert/strict";
import { HubError } from "@hub/errors";
import { describeUrl, openDatabase } from "../../src/storage/mod.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";

/** A port on loopback that nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function isUnavailable(prefix: string, password: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${error}`);
    assert.equal(error.code, "unavailable");
    assert.ok(error.message.startsWith(prefix), error.message);
    assert.ok(!error.message.includes(password), "the message shows the password");
    return true;
  };
}

Deno.test("describeUrl() shows host, port and database, never credentials", () => {
  assert.equal(describeUrl("postgres://hub:s3cret@db.internal:6543/hub"), "db.internal:6543/hub");
  assert.equal(describeUrl("postgresql://hub:s3cret@db.internal/hub"), "db.internal:5432/hub");
  assert.equal(describeUrl("postgres:///hub?host=/run/postgresql"), "/run/postgresql:5432/hub");
  assert.equal(describeUrl("not a url s3cret"), "<unparseable URL>");
});

Deno.test("openDatabase() fails with unavailable when PostgreSQL is unreachable", async () => {
  const port = closedPort();
  await assert.rejects(
    openDatabase({
      url: `postgres://hub:s3cret-pw@127.0.0.1:${port}/hubdb`,
      connectTimeoutMs: 2000,
    }),
    isUnavailable(`Cannot connect to PostgreSQL at 127.0.0.1:${port}/hubdb: `, "s3cret-pw"),
  );
});

Deno.test("openDatabase() refuses a URL that is not postgres://", async () => {
  await assert.rejects(
    openDatabase({ url: "mysql://root:s3cret-pw@127.0.0.1/hub" }),
    (error) =>
      error instanceof HubError && error.code === "bad_request" &&
      !error.message.includes("s3cret-pw"),
  );
});

Deno.test({
  name: "openDatabase() fails with unavailable for a missing database [postgres]",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const url = new URL(TEST_DATABASE_URL!);
    url.password = "s3cret-pw";
    url.pathname = "/hub_no_such_database";
    await assert.rejects(
      openDatabase({ url: url.href }),
      isUnavailable(`Cannot connect to PostgreSQL at ${describeUrl(url.href)}: `, "s3cret-pw"),
    );
  },
});

Deno.test({
  name: "openDatabase() connects, pings and closes [postgres]",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const database = await openDatabase({ url: TEST_DATABASE_URL });
    assert.equal(database.driver, "postgres");
    await database.ping();
    await database.close();
    await database.close();
    await assert.rejects(database.ping(), HubError);
  },
});
