import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation, type HubError } from "@alkdev/operations";
import { connectSpoke } from "../../src/spoke/mod.ts";
import { acquireDataDirLock } from "../../src/storage/mod.ts";
import { spawnHub, waitForHealthy } from "../helpers/hub_process.ts";
import { freshPostgres } from "../helpers/db.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";

const operation = (name: string) =>
  defineOperation({
    name,
    kind: "query",
    description: `Operation ${name}`,
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: () => null,
  });

const KEY = /^alk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

/** Runs `hub <args>` to completion. */
async function hub(args: string[], env: Record<string, string> = {}) {
  const child = spawnHub(args, env);
  const status = await child.status;
  return {
    code: status.code,
    lines: child.lines,
    stdout: child.lines.join("\n"),
    stderr: await child.stderr,
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hub_keys_cli_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The admin key a hub creates on its first start, listed beside the test's keys. */
const notBootstrap = (name: unknown) => name !== "bootstrap-admin";

/** create → list → revoke → list, against whatever database or hub `where` names. */
async function lifecycle(t: Deno.TestContext, where: string[]) {
  let key = "";
  let id = "";
  let prefix = "";
  await t.step("create prints the key alone on stdout, what it is on stderr", async () => {
    const result = await hub([
      "keys",
      "create",
      "--name",
      "ci",
      "--scopes",
      "llm,ops:coord",
      "--expires",
      "30d",
      "--rpm",
      "60",
      ...where,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.length, 1);
    key = result.lines[0];
    assert.match(key, KEY);
    prefix = key.slice(0, 16);
    const described =
      /^Created API key "ci" \(id ([0-9a-f-]{36}), prefix (alk_[0-9a-f]{12}), scopes llm,ops:coord, expires \d{4}-.*Z\)\.$/m
        .exec(result.stderr);
    assert.ok(described, result.stderr);
    [, id] = described;
    assert.equal(described[2], prefix);
    assert.ok(!result.stderr.includes(key.slice(17)));
  });

  await t.step("--json gives the key and its record as one object", async () => {
    const result = await hub([
      "keys",
      "create",
      "--json",
      "--name",
      "events",
      "--scopes",
      "events",
      "--max-parallel",
      "3",
      ...where,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const created = JSON.parse(result.stdout);
    assert.match(created.key, KEY);
    assert.deepEqual([created.name, created.scopes, created.limits, created.status], [
      "events",
      ["events"],
      { maxParallel: 3 },
      "active",
    ]);
    assert.equal(created.hash, undefined);
  });

  await t.step("list shows the keys, never a secret or hash", async () => {
    const table = await hub(["keys", "list", ...where]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+PREFIX\s+NAME\s+SCOPES\s+STATUS\s+EXPIRES\s+LAST USED$/m);
    assert.match(
      table.stdout,
      new RegExp(`^${id}\\s+${prefix}\\s+ci\\s+llm,ops:coord\\s+active\\s`, "m"),
    );
    assert.ok(!table.stdout.includes(key.slice(17)));
    const json = await hub(["keys", "list", "--json", ...where]);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((k) => k.name).filter(notBootstrap), ["ci", "events"]);
    assert.ok(listed.every((k) => !("hash" in k) && !("key" in k)));
  });

  await t.step("revoke, then revoke again, by id and by prefix", async () => {
    const first = await hub(["keys", "revoke", id, ...where]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Revoked API key "ci" \\(id ${id}, prefix ${prefix},`));
    const again = await hub(["keys", "revoke", prefix, ...where]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^API key "ci" \(id .*\) was already revoked at \d{4}-/);
    const unknown = await hub(["keys", "revoke", "nope", ...where]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'hub: Cannot revoke API key "nope": no such key\n');
  });

  await t.step("list hides the revoked key; --all shows it as revoked", async () => {
    const active = JSON.parse((await hub(["keys", "list", "--json", ...where])).stdout);
    assert.deepEqual(active.map((k: { name: string }) => k.name).filter(notBootstrap), ["events"]);
    const all = JSON.parse((await hub(["keys", "list", "--all", "--json", ...where])).stdout);
    const ci = all.find((k: { id: string }) => k.id === id);
    assert.equal(ci.status, "revoked");
    assert.match(ci.revokedAt, /^\d{4}-/);
  });
}

Deno.test("hub keys: create, list and revoke on the embedded database; a running hub holds it", async (t) => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    const where = ["--data-dir", dataDir];
    await lifecycle(t, where);

    await t.step("a running hub accepts a key the CLI created on its data dir", async () => {
      const created = await hub(["keys", "create", "--name", "live", "--scopes", "ops", ...where]);
      const running = spawnHub(["--port", "0", ...where]);
      try {
        const url = await running.url;
        await waitForHealthy(url);
        const response = await fetch(`${url}/v0/x`, {
          headers: { authorization: `Bearer ${created.lines[0]}` },
        });
        assert.equal(response.status, 404, "the key authenticates; the route does not exist");
        await response.body?.cancel();
      } finally {
        running.child.kill("SIGTERM");
        assert.equal((await running.status).code, 0);
      }
    });
  });
});

Deno.test("hub keys: while a hub holds the embedded database, the CLI uses its HTTP API", async (t) => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    const where = ["--data-dir", dataDir];
    const running = spawnHub(["--port", "0", ...where]);
    try {
      const url = await running.url;
      await waitForHealthy(url);
      const lock = JSON.parse(await Deno.readTextFile(`${dataDir}/hub.lock`));
      assert.deepEqual([lock.pid, lock.url], [running.child.pid, url]);

      // The data dir is locked, so every step below goes through /api/v1/keys.
      await lifecycle(t, where);

      await t.step("a revocation takes effect on the running hub at once", async () => {
        const created = await hub([
          "keys",
          "create",
          "--name",
          "short",
          "--scopes",
          "ops",
          ...where,
        ]);
        const key = created.lines[0];
        const status = async () => {
          const response = await fetch(`${url}/api/v1/operations`, {
            headers: { authorization: `Bearer ${key}` },
          });
          await response.body?.cancel();
          return response.status;
        };
        assert.equal(await status(), 200);
        assert.equal((await hub(["keys", "revoke", key.slice(0, 16), ...where])).code, 0);
        // The CLI's own database write would reach this hub's cache only after its TTL.
        assert.equal(await status(), 401);
      });

      await t.step("--namespaces limits what a spoke with the key registers", async () => {
        const created = await hub([
          "keys",
          "create",
          "--json",
          "--name",
          "demo spoke",
          "--scopes",
          "spoke",
          "--namespaces",
          "demo, dev.ci",
          ...where,
        ]);
        assert.equal(created.code, 0, created.stderr);
        const { key, metadata } = JSON.parse(created.stdout);
        assert.deepEqual(metadata, { spokeNamespaces: ["demo", "dev.ci"] });
        const register = async (name: string) => {
          const spoke = connectSpoke({
            url: `${url.replace("http", "ws")}/ws`,
            apiKey: key,
            name: "cli-key",
            operations: [operation(name)],
          });
          try {
            await spoke.ready();
            return "registered";
          } catch (error) {
            return (error as HubError).code;
          } finally {
            await spoke.close();
          }
        };
        assert.equal(await register("demo.greet"), "registered");
        assert.equal(await register("dev.ci.run"), "registered");
        assert.equal(await register("dev.build"), "forbidden");
      });

      await t.step("--url with --admin-key-file or HUB_ADMIN_KEY reaches any hub", async () => {
        const byFile = await hub([
          "keys",
          "list",
          "--json",
          "--url",
          url,
          "--admin-key-file",
          `${dataDir}/admin.key`,
        ]);
        assert.equal(byFile.code, 0, byFile.stderr);
        assert.ok(JSON.parse(byFile.stdout).some((k: { name: string }) => k.name === "demo spoke"));
        const adminKey = (await Deno.readTextFile(`${dataDir}/admin.key`)).trim();
        const byEnv = await hub(["keys", "list", "--json", "--url", url], {
          HUB_ADMIN_KEY: adminKey,
        });
        assert.equal(byEnv.code, 0, byEnv.stderr);
        const ids = (stdout: string) => JSON.parse(stdout).map((k: { id: string }) => k.id);
        assert.deepEqual(ids(byEnv.stdout), ids(byFile.stdout));
        const wrong = await hub(["keys", "list", "--url", url], { HUB_ADMIN_KEY: "alk_wrong" });
        assert.equal(wrong.code, 1);
        assert.equal(
          wrong.stderr,
          `hub: Cannot list API keys: the hub at ${url} refused: Invalid API key\n`,
        );
        const missing = await hub([
          "keys",
          "list",
          "--url",
          url,
          "--admin-key-file",
          `${dir}/none`,
        ]);
        assert.equal(missing.code, 1);
        assert.match(
          missing.stderr,
          new RegExp(`^hub: Cannot read admin key file "${dir}/none": `),
        );
      });
    } finally {
      running.child.kill("SIGTERM");
      assert.equal((await running.status).code, 0);
    }
  });
});

Deno.test("hub keys: a lock holder that has not recorded its URL is named, with --url as the way out", async () => {
  await withTempDir(async (dir) => {
    await using _lock = await acquireDataDirLock(dir);
    const refused = await hub(["keys", "list", "--data-dir", dir]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.split("\n").at(-2) + "\n",
      `hub: Cannot open data dir "${dir}": the hub (pid ${Deno.pid}) is running and has not recorded its URL yet; pass --url <hub url> to use its HTTP API\n`,
    );
  });
});

Deno.test("hub keys: bad input is a one-line usage error, exit 2, before any database is opened", async (t) => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      "a bad scope",
      ["create", "--name", "n", "--scopes", "llm,root"],
      /^hub: Invalid scope "root": expected one of admin, llm, ops, events, spoke, sessions/,
    ],
    ["no scopes", ["create", "--name", "n"], /^hub: Missing --scopes/],
    ["no name", ["create", "--scopes", "llm"], /^hub: Missing --name/],
    [
      "a zero limit",
      ["create", "--name", "n", "--scopes", "llm", "--rpm", "0"],
      /^hub: Invalid value for --rpm: "0" is not a positive integer/,
    ],
    [
      "a bad expiry",
      ["create", "--name", "n", "--scopes", "llm", "--expires", "soon"],
      /^hub: Invalid expiry "soon"/,
    ],
    [
      "a past expiry",
      ["create", "--name", "n", "--scopes", "llm", "--expires", "2001-01-01"],
      /^hub: Cannot create API key "n": expiry 2001-01-01T00:00:00.000Z is not in the future/,
    ],
    [
      "revoke without an id",
      ["revoke"],
      /^hub: hub keys revoke takes exactly one key id or prefix/,
    ],
    ["list with an argument", ["list", "extra"], /^hub: Unexpected argument "extra"/],
    [
      "a --url that is not http(s)",
      ["list", "--url", "ws://127.0.0.1:3000/ws"],
      /^hub: Invalid value for --url: "ws:\/\/127.0.0.1:3000\/ws" is not an http\(s\) URL/,
    ],
    [
      "namespaces on a key without the spoke scope",
      ["create", "--name", "n", "--scopes", "ops", "--namespaces", "demo"],
      /^hub: Invalid value for --namespaces: it limits spoke registrations, so --scopes needs spoke/,
    ],
    [
      "a malformed namespace",
      ["create", "--name", "n", "--scopes", "spoke", "--namespaces", "demo,Dev-x"],
      /^hub: Invalid namespace "Dev-x": expected lowercase words joined by "."/,
    ],
    [
      "a reserved namespace",
      ["create", "--name", "n", "--scopes", "spoke", "--namespaces", "coord.x"],
      /^hub: Invalid namespace "coord.x": "coord" is reserved for the hub's own operations/,
    ],
  ];
  await withTempDir(async (dir) => {
    for (const [name, args, pattern] of cases) {
      await t.step(name, async () => {
        const result = await hub(["keys", ...args, "--data-dir", `${dir}/data`]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, pattern);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.equal(result.stdout, "");
      });
    }
    await t.step("no data dir was even created", async () => {
      await assert.rejects(Deno.stat(`${dir}/data`), Deno.errors.NotFound);
    });
  });
});

Deno.test({
  name: "hub keys: create, list and revoke on PostgreSQL [postgres]",
  ignore: !TEST_DATABASE_URL,
  async fn(t) {
    const database = await freshPostgres();
    try {
      await withTempDir(async (dir) => {
        await lifecycle(t, ["--database-url", database.url, "--data-dir", dir]);
      });
    } finally {
      await database.drop();
    }
  },
});
