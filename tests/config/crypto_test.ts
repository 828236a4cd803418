import assert from "node:assert/strict";
import {
  decryptBytes,
  DecryptError,
  decryptSecret,
  encryptBytes,
  encryptSecret,
  isEncryptedValue,
  KeyRing,
  PBKDF2_ITERATIONS,
} from "../../src/config/mod.ts";
import { HubError } from "@hub/errors";
import { flipByte, rejection, ringV1, SECRET_V1, SECRET_V2 } from "./_helpers.ts";

const ENCRYPTED = /^enc:v1:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/;

Deno.test("encryptSecret() and decryptSecret()", async (t) => {
  const ring = ringV1();

  await t.step("round-trips text, including non-ASCII and empty", async () => {
    for (const text of ["postgres://hub:p@ss@db/hub", "ключ 🔑", ""]) {
      const value = await encryptSecret(text, ring);
      assert.match(value, ENCRYPTED);
      assert.ok(!value.includes(text) || text === "");
      assert.equal(await decryptSecret(value, ring), text);
    }
  });

  await t.step("uses a fresh IV per value, so equal plaintexts differ", async () => {
    const a = await encryptSecret("same", ring);
    const b = await encryptSecret("same", ring);
    assert.notEqual(a, b);
    assert.notEqual(a.split(":")[4], b.split(":")[4]);
  });

  await t.step("decrypts under an equal key ring built separately (no hidden state)", async () => {
    const value = await encryptSecret("portable", ring);
    assert.equal(await decryptSecret(value, new KeyRing([[1, SECRET_V1]])), "portable");
  });

  await t.step("isEncryptedValue() tells encrypted from plain", async () => {
    assert.equal(isEncryptedValue(await encryptSecret("x", ring)), true);
    assert.equal(isEncryptedValue("postgres://db"), false);
    assert.equal(isEncryptedValue(42), false);
  });
});

Deno.test("encryptBytes() and decryptBytes() round-trip raw bytes", async () => {
  const ring = ringV1();
  const bytes = crypto.getRandomValues(new Uint8Array(300));
  const value = await encryptBytes(bytes, ring);
  assert.match(value, ENCRYPTED);
  assert.deepEqual(await decryptBytes(value, ring), bytes);
});

Deno.test("decryptSecret() throws DecryptError", async (t) => {
  const ring = ringV1();
  const value = await encryptSecret("postgres://hub:pw@db/hub", ring);

  for (const [name, index] of [["ciphertext", 5], ["IV", 4], ["salt", 3]] as const) {
    await t.step(`when one byte of the ${name} is flipped`, async () => {
      const tampered = flipByte(value, index);
      assert.notEqual(tampered, value);
      const error = await rejection(() => decryptSecret(tampered, ring));
      assert.ok(error instanceof DecryptError);
      assert.ok(error instanceof HubError);
      assert.equal(error.failure, "authentication_failed");
      assert.match(error.message, /^Cannot decrypt secret: value fails authentication/);
    });
  }

  await t.step("when the last byte (the GCM tag) is flipped", async () => {
    const tagByte = Uint8Array.fromBase64(value.split(":")[5], { alphabet: "base64url" }).length -
      1;
    const error = await rejection(() => decryptSecret(flipByte(value, 5, tagByte), ring));
    assert.equal((error as DecryptError).failure, "authentication_failed");
  });

  await t.step("when the key version field is changed to another held version", async () => {
    const both = new KeyRing([[1, SECRET_V1], [2, SECRET_V2]]);
    const moved = value.replace(/^enc:v1:1:/, "enc:v1:2:");
    const error = await rejection(() => decryptSecret(moved, both));
    assert.equal((error as DecryptError).failure, "authentication_failed");
  });

  await t.step("under a different master secret (wrong key)", async () => {
    const wrong = new KeyRing([[1, "a-completely-different-secret"]]);
    const error = await rejection(() => decryptSecret(value, wrong));
    assert.ok(error instanceof DecryptError);
    assert.equal(error.failure, "authentication_failed");
    assert.match(error.message, /different master key/);
  });

  await t.step("for a key version the ring does not hold", async () => {
    const error = await rejection(() => decryptSecret(value.replace(":1:", ":7:"), ring));
    assert.ok(error instanceof DecryptError);
    assert.equal(error.failure, "unknown_key_version");
    assert.match(error.message, /key version 7, which the master key file does not hold/);
    assert.match(error.message, /\(it holds 1\)/);
  });

  await t.step("for an unsupported format version", async () => {
    const error = await rejection(() => decryptSecret(value.replace("enc:v1:", "enc:v2:"), ring));
    assert.equal((error as DecryptError).failure, "unsupported_format");
    assert.match(error.message, /format v2; this hub reads v1/);
  });

  await t.step("for malformed values, never returning garbage", async () => {
    const [, , version, salt, iv, ciphertext] = value.split(":");
    const malformed = [
      "enc:v1:",
      `enc:v1:${version}:${salt}:${iv}`,
      `enc:v1:${version}:${salt}:${iv}:${ciphertext}:extra`,
      `enc:v1:0:${salt}:${iv}:${ciphertext}`,
      `enc:v1:x:${salt}:${iv}:${ciphertext}`,
      `enc:v1:${version}:${salt}:${iv}:${ciphertext}=`,
      `enc:v1:${version}:${salt}:${iv}+:${ciphertext}`,
      `enc:v1:${version}:${salt}:${iv}AA:${ciphertext}`, // IV of 13 bytes
      `enc:v1:${version}:${salt.slice(0, 20)}:${iv}:${ciphertext}`, // salt of 15 bytes
      `enc:v1:${version}:${salt}:${iv}:AAAA`, // shorter than the tag
      "not-encrypted",
    ];
    for (const bad of malformed) {
      const error = await rejection(() => decryptSecret(bad, ring));
      assert.ok(error instanceof DecryptError, bad);
      assert.equal(error.failure, "malformed", bad);
      assert.match(error.message, /is not a valid encrypted value/);
    }
  });

  await t.step("for bytes that are not UTF-8 text", async () => {
    const bytes = await encryptBytes(new Uint8Array([0xff, 0xfe]), ring);
    const error = await rejection(() => decryptSecret(bytes, ring));
    assert.equal((error as DecryptError).failure, "malformed");
    assert.match(error.message, /UTF-8/);
  });
});

Deno.test("encryptSecret() derives the key once per key ring and salt", async () => {
  assert.ok(PBKDF2_ITERATIONS >= 600_000);
  const ring = new KeyRing([[1, SECRET_V1]]);
  const subtle = crypto.subtle;
  const original = subtle.deriveKey;
  let derivations = 0;
  subtle.deriveKey = function (...args: Parameters<SubtleCrypto["deriveKey"]>) {
    derivations++;
    return original.apply(subtle, args);
  } as SubtleCrypto["deriveKey"];
  try {
    const value = await encryptSecret("warm-up", ring);
    assert.equal(derivations, 1);
    for (let i = 0; i < 20; i++) await encryptSecret(`value ${i}`, ring);
    for (let i = 0; i < 20; i++) await decryptSecret(value, ring);
    assert.equal(derivations, 1, "40 operations under one key ring reuse its derived key");
    await encryptSecret("another ring", new KeyRing([[1, SECRET_V1]]));
    assert.equal(derivations, 2, "another key ring derives its own");
  } finally {
    subtle.deriveKey = original;
  }
});
