import assert from "node:assert/strict";
import {
  ConfigError,
  createKeyRingFile,
  decryptSecret,
  encryptSecret,
  KeyRing,
  openKeyRing,
  parseKeyRing,
  readKeyRing,
} from "../../src/config/mod.ts";
import { rejection, SECRET_V1, SECRET_V2, thrown, withTempDir } from "./_helpers.ts";

const posix = Deno.build.os !== "windows";

Deno.test("parseKeyRing()", async (t) => {
  await t.step("reads versioned lines; the highest version is current", () => {
    const ring = parseKeyRing(`# comment\n\n2:${SECRET_V2}\n1:${SECRET_V1}\n`, "k");
    assert.equal(ring.current, 2);
    assert.deepEqual(ring.versions, [1, 2]);
    assert.deepEqual(ring.secret(1), new TextEncoder().encode(SECRET_V1));
    assert.equal(ring.secret(3), undefined);
  });

  await t.step("reads a single unprefixed line as version 1, trimming the newline", () => {
    const ring = parseKeyRing(`${SECRET_V1}\r\n`, "k");
    assert.deepEqual(ring.versions, [1]);
    assert.deepEqual(ring.secret(1), new TextEncoder().encode(SECRET_V1));
  });

  await t.step("rejects an empty file or one holding only comments", () => {
    for (const text of ["", "\n\n", "# only a comment\n"]) {
      const error = thrown(() => parseKeyRing(text, "/k"));
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'Cannot read master key file "/k": the file holds no key');
    }
  });

  await t.step("names every bad line by number, never by content", () => {
    const text = `1:${SECRET_V1}\nnot a key line\n1:${SECRET_V2}\n0:${SECRET_V2}\n3:tiny3\n`;
    const error = thrown(() => parseKeyRing(text, "/k"));
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.path), ["line 2"]);
    assert.ok(!error.message.includes("not a key line"));
    const second = thrown(() => parseKeyRing(text.replace("not a key line\n", ""), "/k"));
    assert.ok(second instanceof ConfigError);
    assert.deepEqual(second.problems, [
      { path: "line 2", message: "repeats version 1" },
      { path: "line 3", message: "has a version that is not a positive integer" },
      { path: "line 4", message: "has a secret shorter than 16 characters" },
    ]);
    assert.ok(!second.message.includes(SECRET_V2) && !second.message.includes("tiny3"));
  });

  await t.step("never shows a secret when inspected or serialized", () => {
    const ring = new KeyRing([[1, SECRET_V1]]);
    assert.ok(!Deno.inspect(ring, { showHidden: true, depth: 10 }).includes(SECRET_V1));
    assert.ok(!JSON.stringify(ring).includes(SECRET_V1));
    assert.throws(() => new KeyRing([]), RangeError);
    assert.throws(() => new KeyRing([[1, "short"]]), RangeError);
  });
});

Deno.test("readKeyRing()", async (t) => {
  await withTempDir(async (dir) => {
    await t.step("reads a file and warns on a mode wider than 0600", async () => {
      const path = `${dir}/wide.key`;
      await Deno.writeTextFile(path, `1:${SECRET_V1}\n`, { mode: 0o644 });
      if (posix) await Deno.chmod(path, 0o644);
      const { keyRing, warnings } = await readKeyRing(path);
      assert.equal(keyRing.current, 1);
      if (posix) {
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /has mode 0644, wider than 0600; restrict it with chmod 600/);
        assert.ok(!warnings[0].includes(SECRET_V1));
      }
    });

    await t.step("does not warn on mode 0600 or 0400", async () => {
      for (const mode of [0o600, 0o400]) {
        const path = `${dir}/tight-${mode}.key`;
        await Deno.writeTextFile(path, `1:${SECRET_V1}\n`);
        await Deno.chmod(path, mode);
        assert.deepEqual((await readKeyRing(path)).warnings, []);
      }
    });

    await t.step("names a missing file", async () => {
      const error = await rejection(() => readKeyRing(`${dir}/missing.key`));
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "bad_request");
      assert.equal(
        error.message,
        `Cannot read master key file "${dir}/missing.key": file not found`,
      );
    });

    await t.step("names an empty file", async () => {
      await Deno.writeTextFile(`${dir}/empty.key`, "");
      const error = await rejection(() => readKeyRing(`${dir}/empty.key`));
      assert.match(error.message, /empty\.key": the file holds no key$/);
    });
  });
});

Deno.test("createKeyRingFile()", async (t) => {
  await withTempDir(async (dir) => {
    const path = `${dir}/nested/master.key`;

    await t.step("writes a random 32-byte version-1 secret with mode 0600", async () => {
      const ring = await createKeyRingFile(path);
      assert.deepEqual(ring.versions, [1]);
      if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      const reread = await readKeyRing(path);
      assert.deepEqual(reread.warnings, []);
      assert.deepEqual(reread.keyRing.secret(1), ring.secret(1));
      const line = (await Deno.readTextFile(path)).split("\n").find((l) => l.startsWith("1:"))!;
      assert.equal(Uint8Array.fromBase64(line.slice(2), { alphabet: "base64url" }).length, 32);
    });

    await t.step("creates a different secret each time", async () => {
      const other = await createKeyRingFile(`${dir}/other.key`);
      assert.notDeepEqual(other.secret(1), (await readKeyRing(path)).keyRing.secret(1));
    });

    await t.step("refuses to overwrite an existing file", async () => {
      const before = await Deno.readTextFile(path);
      const error = await rejection(() => createKeyRingFile(path));
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^Cannot create master key file ".*": file already exists$/);
      assert.equal(await Deno.readTextFile(path), before);
    });
  });
});

Deno.test("key rotation: append 2:<secret>, old values still decrypt, new ones use v2", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/master.key`;
    await Deno.writeTextFile(path, `1:${SECRET_V1}\n`);
    const v1 = (await readKeyRing(path)).keyRing;
    const old = await encryptSecret("postgres://old", v1);
    assert.match(old, /^enc:v1:1:/);

    await Deno.writeTextFile(path, `2:${SECRET_V2}\n`, { append: true });
    const v2 = (await readKeyRing(path)).keyRing;
    assert.equal(v2.current, 2);
    assert.equal(await decryptSecret(old, v2), "postgres://old");
    const fresh = await encryptSecret("postgres://new", v2);
    assert.match(fresh, /^enc:v1:2:/);
    assert.equal(await decryptSecret(fresh, v2), "postgres://new");
    // The old ring cannot read values written under the new version.
    await assert.rejects(() => decryptSecret(fresh, v1), /key version 2/);
  });
});

Deno.test("openKeyRing()", async (t) => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    const secretFile = `${dir}/run-secrets/hub_master_key`;

    await t.step("creates <dataDir>/master.key when no key file exists", async () => {
      const opened = await openKeyRing({ dataDir, secretFile });
      assert.equal(opened.path, `${dataDir}/master.key`);
      assert.equal(opened.created, true);
      assert.match(opened.warnings[0], /Created master key file .*; back it up/);
      if (posix) assert.equal((await Deno.stat(opened.path)).mode! & 0o777, 0o600);
    });

    await t.step("reuses <dataDir>/master.key on the next start", async () => {
      const first = await readKeyRing(`${dataDir}/master.key`);
      const opened = await openKeyRing({ dataDir, secretFile });
      assert.equal(opened.created, false);
      assert.deepEqual(opened.keyRing.secret(1), first.keyRing.secret(1));
    });

    await t.step("prefers the container secret file over the data dir", async () => {
      await Deno.mkdir(`${dir}/run-secrets`);
      await Deno.writeTextFile(secretFile, `${SECRET_V2}\n`);
      await Deno.chmod(secretFile, 0o600);
      const opened = await openKeyRing({ dataDir, secretFile });
      assert.equal(opened.path, secretFile);
      assert.deepEqual(opened.keyRing.secret(1), new TextEncoder().encode(SECRET_V2));
    });

    await t.step("prefers an explicit file, and never creates it when missing", async () => {
      const explicit = `${dir}/explicit.key`;
      const error = await rejection(() => openKeyRing({ masterKeyFile: explicit, dataDir }));
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /explicit\.key": file not found$/);
      await assert.rejects(() => Deno.stat(explicit), Deno.errors.NotFound);
      await Deno.writeTextFile(explicit, `7:${SECRET_V1}\n`);
      const opened = await openKeyRing({ masterKeyFile: explicit, dataDir, secretFile });
      assert.equal(opened.keyRing.current, 7);
    });
  });
});
