import assert from "node:assert/strict";
import {
  ConfigError,
  createKeyRingFile,
  encryptSecret,
  loadSettings,
} from "../../src/config/mod.ts";
import { rejection, withTempDir, writeJson } from "./_helpers.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("loadSettings()", async (t) => {
  await withTempDir(async (dir) => {
    const secretFile = `${dir}/no-container-secret`;

    await t.step("first start without a config file creates <dataDir>/master.key", async () => {
      const dataDir = `${dir}/first`;
      const loaded = await loadSettings({ flags: { dataDir }, env: {}, secretFile });
      assert.equal(loaded.settings.dataDir, dataDir);
      assert.equal(loaded.settings.port, 3000);
      assert.equal(loaded.keyRingPath, `${dataDir}/master.key`);
      assert.equal(loaded.keyRingCreated, true);
      assert.equal(loaded.warnings.length, 1);
      assert.ok(await exists(`${dataDir}/master.key`));
    });

    await t.step("finds the key in the dataDir the config file names and decrypts", async () => {
      const dataDir = `${dir}/from-file`;
      const keyRing = await createKeyRingFile(`${dataDir}/master.key`);
      const url = "postgres://hub:hunter2@db/hub";
      const config = await writeJson(dir, "hub.json", {
        dataDir,
        server: { port: 4000 },
        database: { url: await encryptSecret(url, keyRing) },
      });
      const loaded = await loadSettings({
        flags: {},
        env: { HUB_CONFIG: config, HUB_HOST: "0.0.0.0" },
        secretFile,
      });
      assert.equal(loaded.keyRingCreated, false);
      assert.equal(loaded.keyRingPath, `${dataDir}/master.key`);
      assert.deepEqual(loaded.warnings, []);
      assert.equal(loaded.settings.databaseUrl, url);
      assert.equal(loaded.settings.port, 4000);
      assert.equal(loaded.settings.host, "0.0.0.0");
      assert.equal(loaded.settings.configPath, config);
    });

    await t.step("an explicit master key file that is missing is an error", async () => {
      const dataDir = `${dir}/explicit`;
      const error = await rejection(() =>
        loadSettings({
          flags: { dataDir, masterKeyFile: `${dir}/missing.key` },
          env: {},
          secretFile,
        })
      );
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^Cannot read master key file ".*missing\.key": file not found$/);
      assert.equal(await exists(`${dataDir}/master.key`), false);
    });

    await t.step("invalid input fails before any key file is created", async () => {
      const dataDir = `${dir}/invalid`;
      const error = await rejection(() =>
        loadSettings({ flags: { dataDir }, env: { HUB_PORT: "abc" }, secretFile })
      );
      assert.match(error.message, /^Invalid value for HUB_PORT/);
      assert.equal(await exists(dataDir), false);
    });

    await t.step("a bad config file is reported before any key file is created", async () => {
      const config = await writeJson(dir, "bad.json", { dataDir: `${dir}/bad`, port: 1 });
      const error = await rejection(() => loadSettings({ flags: { config }, env: {}, secretFile }));
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [{ path: "/port", message: "is not a known field" }]);
      assert.equal(await exists(`${dir}/bad`), false);
    });
  });
});
