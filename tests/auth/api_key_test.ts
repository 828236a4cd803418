import assert from "node:assert/strict";
import { apiKeyPrefix, generateApiKey, hashApiKey, hashesEqual } from "../../src/auth/mod.ts";

Deno.test("generateApiKey() returns a prefixed 256-bit key whose hash is all that is stored", async () => {
  const { key, prefix, hash } = await generateApiKey();
  assert.match(key, /^alk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.ok(key.startsWith(prefix + "_"));
  assert.equal(hash, await hashApiKey(key));
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.ok(!hash.includes(key.slice(prefix.length + 1)));
  const other = await generateApiKey();
  assert.notEqual(other.key, key);
  assert.notEqual(other.prefix, prefix);
});

Deno.test("apiKeyPrefix() accepts only well-formed keys", async () => {
  const { key, prefix } = await generateApiKey();
  assert.equal(apiKeyPrefix(key), prefix);
  for (
    const bad of ["", "alk_", key + "x", key.slice(0, -1), key.replace("alk_", "sk-_"), ` ${key}`]
  ) {
    assert.equal(apiKeyPrefix(bad), undefined, bad);
  }
});

Deno.test("hashesEqual() compares equal-length hashes and refuses different lengths", async () => {
  const a = await hashApiKey("a");
  assert.equal(hashesEqual(a, a), true);
  assert.equal(hashesEqual(a, await hashApiKey("b")), false);
  assert.equal(hashesEqual(a, a.slice(1)), false);
});
