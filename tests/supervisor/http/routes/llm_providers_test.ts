import assert from "node:assert/strict";
import OpenAI from "openai";
import { asc } from "drizzle-orm";
import { auditLogs, llmProviders } from "../../../../src/storage/mod.ts";
import { withLlmHub } from "../../llm_gateway/_helpers.ts";

const messages = [{ role: "user" as const, content: "Say hello" }];

Deno.test("providers API: a provider added at runtime serves at once; its key is encrypted and never returned", async () => {
  await withLlmHub(async ({ hub, baseURL, adminKey, fake, key }) => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${hub.url}/api/v1/llm${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      });
    const created = await api("/providers", {
      method: "POST",
      body: JSON.stringify({
        name: "extra",
        baseURL: fake.url,
        apiKey: "sk-extra-secret",
        models: ["fake-2"],
      }),
    });
    assert.equal(created.status, 201);
    const view = await created.json();
    assert.equal(view.hasApiKey, true);
    assert.equal(view.source, "api");
    assert.ok(!JSON.stringify(view).includes("sk-extra-secret"));
    const [row] = await hub.storage.database.db.select().from(llmProviders);
    assert.match(row.apiKeyEncrypted ?? "", /^enc:v1:/);

    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "fake-2", messages });
    assert.equal(answer.choices[0].message.content, "Hello from fake-2!");
    assert.equal(fake.requests.at(-1)?.authorization, "Bearer sk-extra-secret");

    const list = await (await api("/providers")).json();
    assert.deepEqual(
      list.providers.map((p: { name: string; source: string }) => [p.name, p.source]),
      [
        ["local", "config"],
        ["extra", "api"],
      ],
    );
    assert.ok(!JSON.stringify(list).includes("sk-"));

    assert.equal(
      (await api("/providers", {
        method: "POST",
        body: JSON.stringify({ ...view, models: ["x"] }),
      })).status,
      400,
    );
    const duplicate = await api("/providers", {
      method: "POST",
      body: JSON.stringify({ name: "extra", baseURL: fake.url, models: ["x"] }),
    });
    assert.equal(duplicate.status, 409);
    const configOwned = await api("/providers/local", { method: "DELETE" });
    assert.equal(configOwned.status, 409);

    const replaced = await api("/providers/extra", {
      method: "PUT",
      body: JSON.stringify({ baseURL: fake.url, models: ["fake-3"] }),
    });
    assert.equal(replaced.status, 200);
    assert.equal((await replaced.json()).hasApiKey, true, "an absent apiKey keeps the stored one");
    const gone = await client.chat.completions.create({ model: "fake-2", messages }).catch((e) =>
      e
    );
    assert.ok(gone instanceof OpenAI.NotFoundError);

    assert.equal((await api("/providers/extra", { method: "DELETE" })).status, 204);
    assert.equal((await api("/providers/extra")).status, 404);
    const removed = await client.chat.completions.create({ model: "fake-3", messages }).catch((e) =>
      e
    );
    assert.ok(removed instanceof OpenAI.NotFoundError);

    // Admin only.
    const forbidden = await fetch(`${hub.url}/api/v1/llm/providers`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(forbidden.status, 403);
  });
});

Deno.test("models: a key limited to llm:<provider>:<model> sees and uses only that model", async () => {
  await withLlmHub(async ({ baseURL, key }) => {
    const { key: apiKey } = await key({ scopes: ["llm:local:fake-1"] });
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ["fake-1", "fast", "local/fake-1"]);
    const ok = await client.chat.completions.create({ model: "fast", messages });
    assert.equal(ok.choices[0].message.content, "Hello from fake-1!");
    const denied = await client.chat.completions.create({ model: "fake-500", messages }).catch((
      e,
    ) => e);
    assert.ok(denied instanceof OpenAI.NotFoundError);
    // Retrieving a model it may not use answers as a chat with it does (and as OpenAI does).
    const hidden = await fetch(`${baseURL}/models/fake-500`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(hidden.status, 404);
    assert.ok(hidden.headers.get("x-request-id"));
    const { error } = await hidden.json();
    assert.deepEqual([error.type, error.code], ["invalid_request_error", "model_not_found"]);
  });
});

Deno.test("usage API: aggregates by key and model over a range; a non-admin key sees only its own", async () => {
  await withLlmHub(async ({ hub, baseURL, adminKey, key, usage }) => {
    const a = await key();
    const b = await key();
    for (
      const [apiKey, model, n] of [[a.key, "fake-1", 2], [a.key, "fast", 1], [
        b.key,
        "fake-1",
        3,
      ]] as const
    ) {
      const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
      for (let i = 0; i < n; i++) await client.chat.completions.create({ model, messages });
    }
    await new OpenAI({ baseURL, apiKey: a.key, maxRetries: 0 }).chat.completions
      .create({ model: "fake-500", messages }).catch(() => {});
    await usage(7); // written: a read does not flush the queue
    const get = async (query: string, apiKey = adminKey) => {
      const response = await fetch(`${hub.url}/api/v1/usage${query}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return { status: response.status, body: await response.json() };
    };
    const all = await get("");
    const summary = all.body.usage.map((g: Record<string, unknown>) => [
      g.keyId === a.id ? "a" : "b",
      g.model,
      g.requests,
      g.errors,
      g.outputTokens,
    ]);
    assert.deepEqual(
      summary.sort(),
      [["a", "fake-1", 2, 0, 8], ["a", "fake-500", 1, 1, 0], ["a", "fast", 1, 0, 4], [
        "b",
        "fake-1",
        3,
        0,
        12,
      ]].sort(),
    );
    const own = await get(`?keyId=${b.id}`, a.key);
    assert.equal(own.status, 403);
    const mine = await get("", b.key);
    assert.deepEqual(mine.body.usage.map((g: { keyId: string }) => g.keyId), [b.id]);
    const future = await get(
      `?from=${new Date(Date.now() + 60_000).toISOString()}&to=${
        new Date(Date.now() + 120_000).toISOString()
      }`,
    );
    assert.deepEqual(future.body.usage, []);
    assert.equal((await get("?from=yesterday")).status, 400);
  });
});

Deno.test("providers API: a hub without providers spawns no proxy actor until one is added", async () => {
  await withLlmHub(async ({ hub, baseURL, adminKey, fake, key }) => {
    assert.equal(hub.llm.pool, undefined);
    assert.ok(!hub.actors.snapshot().some((a) => a.kind === "llm-proxy"));
    const created = await fetch(`${hub.url}/api/v1/llm/providers`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "late", baseURL: fake.url, models: ["fake-1"] }),
    });
    assert.equal(created.status, 201);
    assert.ok(hub.actors.snapshot().some((a) => a.id === "llm-proxy-0" && a.state === "running"));
    const { key: apiKey } = await key();
    const answer = await new OpenAI({ baseURL, apiKey, maxRetries: 0 }).chat.completions
      .create({ model: "fake-1", messages });
    assert.equal(answer.choices[0].message.content, "Hello from fake-1!");
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: two providers added at once on a hub without any both answer 201 and serve", async () => {
  await withLlmHub(async ({ hub, baseURL, adminKey, fake, key }) => {
    const create = (name: string, model: string) =>
      fetch(`${hub.url}/api/v1/llm/providers`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name, baseURL: fake.url, models: [model] }),
      });
    // Both reloads run while the first is still spawning the pool's actor.
    const created = await Promise.all([create("one", "fake-1"), create("two", "fake-2")]);
    const bodies = await Promise.all(created.map((r) => r.json()));
    assert.deepEqual(created.map((r) => r.status), [201, 201], JSON.stringify(bodies));
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    for (const model of ["fake-1", "fake-2"]) {
      const answer = await client.chat.completions.create({ model, messages });
      assert.equal(answer.choices[0].message.content, `Hello from ${model}!`);
    }
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: a provider key that is no valid header value is never quoted to clients", async () => {
  await withLlmHub(async ({ hub, baseURL, adminKey, fake, key }) => {
    const created = await fetch(`${hub.url}/api/v1/llm/providers`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      // A pasted key with a line break inside: fetch refuses to send the header.
      body: JSON.stringify({
        name: "odd",
        baseURL: fake.url,
        apiKey: "sk-odd\nsecret",
        models: ["m"],
      }),
    });
    assert.equal(created.status, 201);
    const { key: apiKey } = await key();
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages }),
    });
    assert.equal(response.status, 502);
    const text = await response.text();
    assert.equal(JSON.parse(text).error.code, "upstream_unreachable");
    assert.doesNotMatch(text, /sk-odd|secret/);
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: a bad body is refused with every problem and its path", async () => {
  await withLlmHub(async ({ hub, adminKey }) => {
    const response = await fetch(`${hub.url}/api/v1/llm/providers`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "Bad Name",
        baseURL: "ftp://x",
        models: [],
        weight: 0,
        colour: "red",
      }),
    });
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, "bad_request");
    assert.deepEqual(
      error.details.errors.map((e: { path: string }) => e.path).sort(),
      ["/baseURL", "/colour", "/models", "/name", "/weight"],
    );
    assert.match(error.message, /^Cannot accept LLM provider: /);
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: names are lowercase, so OpenAI cannot sit beside openai", async () => {
  await withLlmHub(async ({ hub, adminKey, fake, logs }) => {
    const create = (name: string) =>
      fetch(`${hub.url}/api/v1/llm/providers`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name, baseURL: fake.url, apiKey: "sk-logged-never", models: ["m"] }),
      });
    assert.equal((await create("openai")).status, 201);
    // The change is logged, never its key.
    assert.ok(logs.some((line) => /LLM provider .*openai.* created/.test(line)), logs.join("\n"));
    assert.ok(!logs.some((line) => line.includes("sk-logged-never")));
    const upper = await create("OpenAI");
    assert.equal(upper.status, 400);
    const { error } = await upper.json();
    assert.deepEqual(error.details.errors, [{
      path: "/name",
      message:
        "must be lowercase letters, digits, '_', '.' or '-', starting with a letter or digit",
    }]);
    const list = await (await fetch(`${hub.url}/api/v1/llm/providers`, {
      headers: { authorization: `Bearer ${adminKey}` },
    })).json();
    assert.deepEqual(list.providers.map((p: { name: string }) => p.name), ["openai"]);
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: a changed baseURL needs the API key again, so the stored key never goes to a new host", async () => {
  await withLlmHub(async ({ hub, adminKey, fake }) => {
    const api = (path: string, init: RequestInit = {}) =>
      hub.app.request(`/api/v1/llm${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      });
    const put = (body: Record<string, unknown>) =>
      api("/providers/moved", { method: "PUT", body: JSON.stringify(body) });
    const created = await api("/providers", {
      method: "POST",
      body: JSON.stringify({ name: "moved", baseURL: fake.url, apiKey: "sk-moved", models: ["m"] }),
    });
    assert.equal(created.status, 201);

    const elsewhere = "https://attacker.example/v1";
    const refused = await put({ baseURL: elsewhere, models: ["m"] });
    assert.equal(refused.status, 400);
    const { error } = await refused.json();
    assert.equal(error.code, "bad_request");
    assert.match(error.message, /a changed baseURL requires apiKey/);
    const kept = await (await api("/providers/moved")).json();
    assert.equal(kept.baseURL, fake.url, "nothing changed");

    assert.equal((await put({ baseURL: fake.url, models: ["m", "n"] })).status, 200, "same host");
    const withKey = await put({ baseURL: elsewhere, apiKey: "sk-new", models: ["m"] });
    assert.equal(withKey.status, 200);
    assert.equal((await withKey.json()).hasApiKey, true);
    const removed = await put({ baseURL: fake.url, apiKey: null, models: ["m"] });
    assert.equal(removed.status, 200);
    assert.equal((await removed.json()).hasApiKey, false);
    // Without a stored key there is nothing to leak: a move needs no key.
    assert.equal((await put({ baseURL: elsewhere, models: ["m"] })).status, 200);
  }, { providers: [], aliases: {} });
});

Deno.test("providers API: provider and key changes are audited with the acting key, never a secret", async () => {
  await withLlmHub(async ({ hub, adminKey, fake }) => {
    const admin = await hub.keys.verify(adminKey);
    const api = (path: string, init: RequestInit = {}) =>
      hub.app.request(`/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      });
    const body = { name: "audited", baseURL: fake.url, apiKey: "sk-audit-secret", models: ["m"] };
    assert.equal(
      (await api("/llm/providers", { method: "POST", body: JSON.stringify(body) })).status,
      201,
    );
    const update = { ...body, apiKey: "sk-audit-secret-2", models: ["m", "n"] };
    const put = await api("/llm/providers/audited", {
      method: "PUT",
      body: JSON.stringify(update),
    });
    assert.equal(put.status, 200);
    assert.equal((await api("/llm/providers/audited", { method: "DELETE" })).status, 204);
    const key = await api("/keys", {
      method: "POST",
      body: JSON.stringify({ name: "audited-key", scopes: ["llm"] }),
    });
    assert.equal(key.status, 201);
    const { record } = await key.json();
    assert.equal((await api(`/keys/${record.id}`, { method: "DELETE" })).status, 200);

    const rows = await hub.storage.database.db.select().from(auditLogs)
      .orderBy(asc(auditLogs.createdAt));
    const mine = rows.filter((row) => row.actorKeyId === admin.id);
    assert.deepEqual(mine.map((row) => [row.action, row.targetType]), [
      ["llm_provider.create", "llm_provider"],
      ["llm_provider.update", "llm_provider"],
      ["llm_provider.delete", "llm_provider"],
      ["api_key.create", "api_key"],
      ["api_key.revoke", "api_key"],
    ]);
    assert.deepEqual(mine.slice(0, 3).map((row) => row.details), [
      { name: "audited", baseURL: fake.url, models: 1, apiKey: "set", via: "http" },
      { name: "audited", baseURL: fake.url, models: 2, apiKey: "replaced", via: "http" },
      { name: "audited", via: "http" },
    ]);
    assert.ok(!JSON.stringify(rows).includes("sk-audit"), "no secret in an audit row");
  }, { providers: [], aliases: {} });
});
