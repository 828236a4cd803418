import assert from "node:assert/strict";
import { join } from "node:path";
import OpenAI from "openai";
import { encryptSecret, KeyRing } from "../../../src/config/mod.ts";
import { llmProviders } from "../../../src/storage/mod.ts";
import { freshPglite } from "../../helpers/db.ts";
import { startFakeOpenAi } from "../../helpers/fake_openai.ts";
import { withHub } from "../../helpers/hub.ts";

const SECRET_1 = "version-one-secret-0123456789";
const SECRET_2 = "version-two-secret-0123456789";

Deno.test("providers: a stored key that cannot be decrypted disables that provider alone; the hub starts, /health is degraded naming it", async () => {
  const fake = startFakeOpenAi();
  const dir = await Deno.makeTempDir({ prefix: "hub_providers_" });
  const masterKeyFile = join(dir, "master.key");
  // Version 1 was removed from the file, but one row is still encrypted under it.
  await Deno.writeTextFile(masterKeyFile, `2:${SECRET_2}\n`, { mode: 0o600 });
  const openDatabase = async () => {
    const database = await freshPglite();
    await database.db.insert(llmProviders).values([
      {
        name: "kept",
        baseUrl: fake.url,
        apiKeyEncrypted: await encryptSecret("sk-kept", new KeyRing([[2, SECRET_2]])),
        models: ["fake-1"],
      },
      {
        name: "lost",
        baseUrl: fake.url,
        apiKeyEncrypted: await encryptSecret("sk-lost", new KeyRing([[1, SECRET_1]])),
        models: ["fake-2"],
      },
    ]);
    return database;
  };
  try {
    await withHub(
      async (hub, { logs, adminKey }) => {
        const response = await hub.app.request("/health");
        assert.equal(response.status, 503);
        const report = await response.json();
        assert.equal(report.status, "degraded");
        assert.equal(report.issues.length, 1, JSON.stringify(report.issues));
        assert.match(
          report.issues[0],
          /^llm provider "lost": disabled, its API key was encrypted under key version 1, which the master key file does not hold/,
        );
        assert.ok(
          logs.some((line) => /Cannot use LLM provider \\?"?lost/.test(line)),
          "a log line names the provider",
        );

        const list = await hub.app.request("/api/v1/llm/providers", {
          headers: { authorization: `Bearer ${adminKey}` },
        });
        const views = (await list.json()).providers;
        assert.deepEqual(views.map((p: { name: string }) => p.name), ["kept", "lost"]);
        assert.equal(views[0].disabled, undefined);
        assert.match(views[1].disabled, /^its API key was encrypted under key version 1/);

        const { key } = await hub.keys.create({ name: "llm", scopes: ["llm"] }, { via: "cli" });
        const client = new OpenAI({ baseURL: `${hub.url}/v1`, apiKey: key, maxRetries: 0 });
        const messages = [{ role: "user" as const, content: "hi" }];
        const answer = await client.chat.completions.create({ model: "fake-1", messages });
        assert.equal(answer.choices[0].message.content, "Hello from fake-1!");
        assert.equal(fake.requests.at(-1)?.authorization, "Bearer sk-kept");
        const lost = await client.chat.completions.create({ model: "fake-2", messages })
          .catch((error) => error);
        assert.ok(lost instanceof OpenAI.NotFoundError);
      },
      { masterKeyFile },
      { openDatabase },
    );
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
