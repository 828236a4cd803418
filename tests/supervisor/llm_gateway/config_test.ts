import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ConfigError,
  encryptSecret,
  isSecretField,
  loadConfigFile,
  parseKeyRing,
  resolveSettings,
} from "../../../src/config/mod.ts";

const provider = { name: "local", baseURL: "http://127.0.0.1:9100/v1", models: ["fake-1"] };

Deno.test("llm config: providers and aliases resolve; the provider apiKey is a secret field", () => {
  assert.ok(isSecretField("/llm/providers/0/apiKey"));
  const settings = resolveSettings({
    flags: {},
    env: {},
    file: { llm: { poolSize: 2, providers: [provider], aliases: { fast: "local/fake-1" } } },
  });
  assert.equal(settings.llm.poolSize, 2);
  assert.deepEqual(settings.llm.providers, [provider]);
  assert.deepEqual(settings.llm.aliases, { fast: "local/fake-1" });
});

Deno.test("llm config: duplicate provider names are refused with their path", () => {
  assert.throws(
    () =>
      resolveSettings({ flags: {}, env: {}, file: { llm: { providers: [provider, provider] } } }),
    (error: unknown) =>
      error instanceof ConfigError && /\/llm\/providers\/1\/name/.test(error.message),
  );
});

Deno.test("llm config: an encrypted apiKey is decrypted, a plain one warns, a bad field is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const keyRing = parseKeyRing("k".repeat(48), "test");
    const path = join(dir, "hub.json");
    const encrypted = await encryptSecret("sk-secret", keyRing);
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        llm: {
          providers: [{ ...provider, apiKey: encrypted }, {
            ...provider,
            name: "plain",
            apiKey: "sk-plain",
          }],
        },
      }),
    );
    const loaded = await loadConfigFile(path, keyRing);
    assert.equal(loaded.data.llm?.providers?.[0].apiKey, "sk-secret");
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0], /\/llm\/providers\/1\/apiKey holds a plain-text secret/);
    assert.ok(!loaded.warnings[0].includes("sk-plain"));

    await Deno.writeTextFile(
      path,
      JSON.stringify({ llm: { providers: [{ ...provider, baseURL: "ftp://x" }] } }),
    );
    await assert.rejects(() => loadConfigFile(path, keyRing), /\/llm\/providers\/0\/baseURL/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("llm config: a provider name that is not lowercase is refused with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "hub.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({ llm: { providers: [provider, { ...provider, name: "OpenAI" }] } }),
    );
    await assert.rejects(
      () => loadConfigFile(path, parseKeyRing("k".repeat(48), "test")),
      /\/llm\/providers\/1\/name must be lowercase letters/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
