import assert from "node:assert/strict";
import {
  addKeyVersion,
  decryptSecret,
  encryptedVersion,
  encryptSecret,
  KeyRing,
  readKeyRing,
  reencryptConfigFile,
} from "../../src/config/mod.ts";
import { ringV1, SECRET_V1, SECRET_V2, withTempDir } from "./_helpers.ts";

Deno.test("addKeyVersion() appends the next version with a fresh secret, mode 0600, keeping comments", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/master.key`;
    await Deno.writeTextFile(path, `# keys\n1:${SECRET_V1}\n2:${SECRET_V2}`, { mode: 0o644 });
    const ring = await addKeyVersion(path);
    assert.deepEqual(ring.versions, [1, 2, 3]);
    const text = await Deno.readTextFile(path);
    assert.match(
      text,
      new RegExp(`^# keys\\n1:${SECRET_V1}\\n2:${SECRET_V2}\\n3:[A-Za-z0-9_-]{43}\\n$`),
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual((await readKeyRing(path)).warnings, []);
    // What was encrypted before still decrypts.
    const old = await encryptSecret("v", new KeyRing([[2, SECRET_V2]]));
    assert.equal(await decryptSecret(old, ring), "v");
  });
});

Deno.test("addKeyVersion() turns a single unversioned line into version 1 first", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/master.key`;
    await Deno.writeTextFile(path, `${SECRET_V1}\n`);
    const ring = await addKeyVersion(path);
    assert.deepEqual(ring.versions, [1, 2]);
    const value = await encryptSecret("v", ringV1());
    assert.equal(await decryptSecret(value, ring), "v");
    assert.ok((await Deno.readTextFile(path)).startsWith(`1:${SECRET_V1}\n2:`));
  });
});

Deno.test("reencryptConfigFile() moves every enc: value to the current version and changes nothing else", async () => {
  await withTempDir(async (dir) => {
    const v1 = await encryptSecret("postgres://u:p@db/hub", ringV1());
    const v1b = await encryptSecret("sk-provider", ringV1());
    const path = `${dir}/hub.json`;
    const text =
      `{\n  "database": { "url": "${v1}" },\n  "llm": {"providers": [ {"name": "a", "apiKey": "${v1b}"} ]},\n    "dataDir": "x"\n}\n`;
    await Deno.writeTextFile(path, text, { mode: 0o640 });
    const ring = new KeyRing([[1, SECRET_V1], [2, SECRET_V2]]);
    assert.equal(await reencryptConfigFile(path, ring), 2);
    const after = await Deno.readTextFile(path);
    const data = JSON.parse(after);
    assert.equal(encryptedVersion(data.database.url), 2);
    assert.equal(
      await decryptSecret(data.database.url, new KeyRing([[2, SECRET_V2]])),
      "postgres://u:p@db/hub",
    );
    assert.equal(await decryptSecret(data.llm.providers[0].apiKey, ring), "sk-provider");
    assert.equal(
      after.replace(data.database.url, v1).replace(data.llm.providers[0].apiKey, v1b),
      text,
      "layout kept",
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    assert.equal(await reencryptConfigFile(path, ring), 0, "nothing left to do");
  });
});
