/**
 * `hub config rotate` end to end, with real hub processes: a provider key
 * stored through the API and a config value survive a rotation and the
 * removal of the old key version; a row left under the removed version
 * disables only its provider.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encryptSecret, KeyRing } from "../../src/config/mod.ts";
import { type HubDb, llmProviders, openDatabase } from "../../src/storage/mod.ts";
import { freshPostgres } from "../helpers/db.ts";
import { type FakeOpenAi, startFakeOpenAi } from "../helpers/fake_openai.ts";
import { spawnHub } from "../helpers/hub_process.ts";
import { TEST_DATABASE_URL } from "../helpers/services.ts";
import { waitFor } from "../helpers/wait_for.ts";

const SECRET_1 = "first-master-secret-0123456789";
const RING_1 = new KeyRing([[1, SECRET_1]]);

interface Setup {
  dir: string;
  fake: FakeOpenAi;
  keyFile: string;
  configPath: string;
  /** The flags every command and the hub run with. */
  flags: string[];
}

/** Runs `hub <args>` to completion. */
async function hub(args: string[]) {
  const child = spawnHub(args);
  const status = await child.status;
  return { code: status.code, stdout: child.lines.join("\n"), stderr: await child.stderr };
}

async function withSetup(dbFlags: string[], fn: (setup: Setup) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hub_rotate_" });
  const fake = startFakeOpenAi();
  try {
    const keyFile = join(dir, "master.key");
    await Deno.writeTextFile(keyFile, `1:${SECRET_1}\n`, { mode: 0o600 });
    const configPath = join(dir, "hub.json");
    const config = {
      llm: {
        providers: [{
          name: "cfg",
          baseURL: fake.url,
          apiKey: await encryptSecret("sk-config", RING_1),
          models: ["fake-1"],
        }],
      },
    };
    await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2) + "\n");
    const flags = ["--data-dir", dir, "--config", configPath, "--master-key-file", keyFile];
    await fn({ dir, fake, keyFile, configPath, flags: [...flags, ...dbFlags] });
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Starts a hub process; resolves with its URL, admin key and a stop function. */
async function startHubProcess(setup: Setup) {
  const child = spawnHub(["serve", "--port", "0", ...setup.flags]);
  const url = await child.url;
  // Polling an external process: /health is its only signal.
  const report = await waitFor(async () => {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    const body = await response?.json();
    return body && body.status !== "starting" ? body : undefined;
  }, { timeoutMs: 60_000, intervalMs: 50, what: "the hub to finish starting" });
  const adminKey = (await Deno.readTextFile(join(setup.dir, "admin.key"))).trim();
  const stop = async () => {
    child.child.kill("SIGTERM");
    await child.status;
  };
  return { url, adminKey, report, child, stop };
}

async function post(url: string, key: string, body: unknown): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The whole rotation; `insertStale` writes a provider row under `RING_1` while no hub runs. */
async function rotation(
  t: Deno.TestContext,
  setup: Setup,
  options: {
    embedded: boolean;
    insertStale: (row: typeof llmProviders.$inferInsert) => Promise<void>;
  },
): Promise<void> {
  await t.step("a provider key is stored through the API, encrypted under version 1", async () => {
    const running = await startHubProcess(setup);
    try {
      assert.equal(running.report.status, "ok", JSON.stringify(running.report));
      const created = await post(`${running.url}/api/v1/llm/providers`, running.adminKey, {
        name: "stored",
        baseURL: setup.fake.url,
        apiKey: "sk-stored",
        models: ["fake-2"],
      });
      assert.equal(created.status, 201);
      if (options.embedded) {
        const refused = await hub(["config", "rotate", ...setup.flags]);
        assert.equal(refused.code, 1);
        assert.match(
          refused.stderr,
          /Cannot rotate the master key: the hub \(pid \d+\) holds data dir ".*"; stop it first/,
        );
        assert.equal(await Deno.readTextFile(setup.keyFile), `1:${SECRET_1}\n`, "nothing changed");
      }
    } finally {
      await running.stop();
    }
  });

  await t.step(
    "rotate adds version 2 and re-encrypts the config file and the database",
    async () => {
      const rotated = await hub(["config", "rotate", ...setup.flags]);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.match(rotated.stdout, /^Added key version 2 to ".*master\.key"\.$/m);
      assert.match(
        rotated.stdout,
        /^Re-encrypted 1 config value\(s\) in ".*hub\.json" and 1 database value\(s\) under key version 2\.$/m,
      );
      assert.match(rotated.stdout, /versions 1 may be removed/);
      const config = await Deno.readTextFile(setup.configPath);
      assert.match(config, /"apiKey": "enc:v1:2:/);
      assert.ok(!config.includes("enc:v1:1:"));
      assert.ok(!rotated.stdout.includes("sk-") && !rotated.stderr.includes("sk-"));
      const again = await hub(["config", "rotate", "--no-new-key", ...setup.flags]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Re-encrypted 0 config value\(s\) .* and 0 database value\(s\)/);
    },
  );

  await t.step(
    "with version 1 removed the hub starts, both keys decrypt, a stale row disables only its provider",
    async () => {
      await options.insertStale({
        name: "stale",
        baseUrl: setup.fake.url,
        apiKeyEncrypted: await encryptSecret("sk-stale", RING_1),
        models: ["fake-3"],
      });
      const lines = (await Deno.readTextFile(setup.keyFile)).split("\n");
      await Deno.writeTextFile(setup.keyFile, lines.filter((l) => !l.startsWith("1:")).join("\n"));
      const running = await startHubProcess(setup);
      try {
        assert.equal(running.report.status, "degraded");
        assert.equal(running.report.issues.length, 1, JSON.stringify(running.report.issues));
        assert.match(
          running.report.issues[0],
          /^llm provider "stale": disabled, its API key was encrypted under key version 1/,
        );
        const keyAnswer = await post(`${running.url}/api/v1/keys`, running.adminKey, {
          name: "llm",
          scopes: ["llm"],
        });
        const { key } = await keyAnswer.json();
        const chat = (model: string) =>
          post(`${running.url}/v1/chat/completions`, key, {
            model,
            messages: [{ role: "user", content: "hi" }],
          });
        for (const [model, upstreamKey] of [["fake-2", "sk-stored"], ["fake-1", "sk-config"]]) {
          const answer = await chat(model);
          assert.equal(answer.status, 200, await answer.clone().text());
          await answer.body?.cancel();
          assert.equal(setup.fake.requests.at(-1)?.authorization, `Bearer ${upstreamKey}`);
        }
        const stale = await chat("fake-3");
        assert.equal(stale.status, 404);
        await stale.body?.cancel();
      } finally {
        await running.stop();
      }
    },
  );
}

Deno.test("hub config rotate: the whole rotation on the embedded database (PGlite)", async (t) => {
  await withSetup([], async (setup) => {
    await rotation(t, setup, {
      embedded: true,
      async insertStale(row) {
        const database = await openDatabase({ dataDir: setup.dir });
        try {
          await (database.db as HubDb).insert(llmProviders).values(row);
        } finally {
          await database.close();
        }
      },
    });
  });
});

Deno.test({
  name: "hub config rotate: the whole rotation on PostgreSQL [postgres]",
  ignore: !TEST_DATABASE_URL,
  async fn(t) {
    const postgres = await freshPostgres();
    try {
      await withSetup(["--database-url", postgres.url], async (setup) => {
        await rotation(t, setup, {
          embedded: false,
          insertStale: async (row) => void await postgres.db.insert(llmProviders).values(row),
        });
      });
    } finally {
      await postgres.drop();
    }
  },
});
