import assert from "node:assert/strict";
import {
  ConfigError,
  encryptSecret,
  KeyRing,
  loadConfigFile,
  validateConfig,
} from "../../src/config/mod.ts";
import { Settings } from "typebox/system";
import { flipByte, rejection, ringV1, SECRET_V2, withTempDir, writeJson } from "./_helpers.ts";

const FULL = {
  server: { host: "0.0.0.0", port: 8080, bodyLimitBytes: 2048 },
  dataDir: "/var/lib/hub",
  development: true,
  log: { level: "warning" },
  database: { url: "postgres://hub@db/hub" },
  redis: { url: "redis://cache:6379" },
  actors: {
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 2000,
    callTimeoutMs: 1000,
    restart: { maxRestarts: 3, windowMs: 10_000, backoffBaseMs: 50, backoffMaxMs: 500 },
  },
  shutdown: { timeoutMs: 0 },
};

Deno.test("loadConfigFile() schema", async (t) => {
  await withTempDir(async (dir) => {
    await t.step("accepts an empty object and a file with every field", async () => {
      assert.deepEqual((await loadConfigFile(await writeJson(dir, "empty.json", {}))).data, {});
      const loaded = await loadConfigFile(await writeJson(dir, "full.json", FULL));
      assert.deepEqual(loaded.data, FULL);
    });

    await t.step("reports every problem at once, each with its JSON path", async () => {
      const path = await writeJson(dir, "bad.json", {
        server: { port: 3000.5, host: "", extra: true },
        foo: 1,
        log: { level: "loud" },
        development: "yes",
        actors: { heartbeatIntervalMs: 1, restart: { maxRestarts: -1, windowMs: "1m" } },
        shutdown: { timeoutMs: 99_999_999 },
        database: { url: 5 },
        bar: null,
      });
      const error = await rejection(() => loadConfigFile(path));
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "bad_request");
      const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p.message]));
      assert.deepEqual(byPath, {
        "/server/port": "must be integer",
        "/server/host": "must not be empty",
        "/server/extra": "is not a known field",
        "/foo": "is not a known field",
        "/bar": "is not a known field",
        "/log/level": "must be one of trace, debug, info, warning, error, fatal",
        "/development": "must be boolean",
        "/actors/heartbeatIntervalMs": "must be >= 10",
        "/actors/restart/maxRestarts": "must be >= 0",
        "/actors/restart/windowMs": "must be integer",
        "/shutdown/timeoutMs": "must be <= 600000",
        "/database/url": "must be string",
      });
      assert.equal(error.problems.length, 12);
      assert.deepEqual(error.details, { problems: error.problems });
      assert.ok(error.message.startsWith(`Cannot load config "${path}": `));
      assert.ok(error.message.includes("/server/port must be integer"));
      assert.ok(error.message.includes("/foo is not a known field; "));
      // The typebox error cap raised for this call is a process-wide setting.
      assert.equal(Settings.Get().maxErrors, 8);
    });

    await t.step("checks port bounds", async () => {
      for (const [port, message] of [[-1, "must be >= 0"], [65536, "must be <= 65535"]] as const) {
        const error = await rejection(async () =>
          await loadConfigFile(await writeJson(dir, "port.json", { server: { port } }))
        );
        assert.deepEqual((error as ConfigError).problems, [{ path: "/server/port", message }]);
      }
      assert.deepEqual(validateConfig({ server: { port: 0 } }), []);
      assert.deepEqual(validateConfig({ server: { port: 65535 } }), []);
    });

    await t.step("rejects a top level that is not an object", async () => {
      for (const value of [[], "x", 3, null]) {
        const error = await rejection(async () =>
          await loadConfigFile(await writeJson(dir, "top.json", JSON.stringify(value)))
        );
        assert.match(error.message, /": the file must hold a JSON object$/);
      }
    });

    await t.step("names the file and the parse error of malformed JSON", async () => {
      const path = await writeJson(dir, "malformed.json", '{\n  "server": { "port": 1, }\n}');
      const error = await rejection(() => loadConfigFile(path));
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^Cannot load config ".*malformed\.json": invalid JSON: /);
      assert.match(error.message, /line 2 column/);
    });

    await t.step("never quotes file contents in a JSON error", async () => {
      const path = await writeJson(
        dir,
        "leak.json",
        '{"database": {"url": postgres://u:hunter2@db}}',
      );
      const error = await rejection(() => loadConfigFile(path));
      assert.match(error.message, /invalid JSON: Unexpected token 'p'$/);
      assert.ok(!error.message.includes("hunter2"));
    });

    await t.step("names a missing file", async () => {
      const error = await rejection(() => loadConfigFile(`${dir}/nope.json`));
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `Cannot load config "${dir}/nope.json": file not found`);
    });
  });
});

Deno.test("loadConfigFile() secrets", async (t) => {
  const ring = ringV1();
  const dbUrl = "postgres://hub:hunter2@db/hub";
  const encrypted = await encryptSecret(dbUrl, ring);

  await withTempDir(async (dir) => {
    await t.step("decrypts enc:v1 values in any string field", async () => {
      const path = await writeJson(dir, "enc.json", {
        database: { url: encrypted },
        server: { host: await encryptSecret("10.0.0.1", ring) },
      });
      const loaded = await loadConfigFile(path, ring);
      assert.equal(loaded.data.database?.url, dbUrl);
      assert.equal(loaded.data.server?.host, "10.0.0.1");
      assert.deepEqual(loaded.warnings, []);
    });

    await t.step("warns about a plain secret field without quoting it", async () => {
      const path = await writeJson(dir, "plain.json", {
        database: { url: dbUrl },
        redis: { url: "redis://:hunter2@cache" },
        server: { host: "localhost" },
      });
      const loaded = await loadConfigFile(path);
      assert.equal(loaded.data.database?.url, dbUrl);
      assert.equal(loaded.warnings.length, 2);
      assert.match(loaded.warnings[0], /\/database\/url holds a plain-text secret/);
      assert.match(loaded.warnings[1], /\/redis\/url holds a plain-text secret/);
      assert.ok(loaded.warnings.every((w) => !w.includes("hunter2")));
    });

    await t.step("names the field of an encrypted value when no key ring is given", async () => {
      const path = await writeJson(dir, "nokey.json", { database: { url: encrypted } });
      const error = await rejection(() => loadConfigFile(path));
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems[0].path, "/database/url");
      assert.match(error.message, /\/database\/url is encrypted, but no master key is available/);
      assert.match(error.message, /master key file is needed/);
    });

    const cases: [string, string, RegExp][] = [
      ["a flipped ciphertext byte", flipByte(encrypted, 5), /fails authentication/],
      ["a flipped IV byte", flipByte(encrypted, 4), /fails authentication/],
      ["a flipped salt byte", flipByte(encrypted, 3), /fails authentication/],
      ["an unknown key version", encrypted.replace(":1:", ":9:"), /key version 9/],
      ["a malformed value", "enc:v1:1:abc", /is not a valid encrypted value/],
    ];
    for (const [name, value, reason] of cases) {
      await t.step(`names the field and the reason for ${name}`, async () => {
        const path = await writeJson(dir, "bad-secret.json", { redis: { url: value } });
        const error = await rejection(() => loadConfigFile(path, ring));
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 1);
        assert.equal(error.problems[0].path, "/redis/url");
        assert.match(error.problems[0].message, reason);
        assert.ok(error.message.startsWith(`Cannot load config "${path}": /redis/url `));
      });
    }

    await t.step("names the field for a value encrypted under a wrong key", async () => {
      const path = await writeJson(dir, "wrong.json", { database: { url: encrypted } });
      const wrong = new KeyRing([[1, SECRET_V2]]);
      const error = await rejection(() => loadConfigFile(path, wrong));
      assert.match(error.message, /\/database\/url fails authentication/);
      assert.ok(!error.message.includes("hunter2"));
    });

    await t.step("reports decryption and schema problems together", async () => {
      const path = await writeJson(dir, "both.json", {
        database: { url: flipByte(encrypted, 5) },
        server: { port: "80" },
      });
      const error = await rejection(() => loadConfigFile(path, ring));
      const paths = (error as ConfigError).problems.map((p) => p.path).sort();
      assert.deepEqual(paths, ["/database/url", "/server/port"]);
    });
  });
});
