import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { HubError } from "@hub/errors";
import { ApiKeyService, type CreateApiKeyInput, hashApiKey } from "../../src/auth/mod.ts";
import { accounts, apiKeys, auditLogs, organizations } from "../../src/storage/mod.ts";
import { dbTest } from "./_db.ts";

const CLI = { via: "cli" } as const;

function isCode(code: string, pattern?: RegExp) {
  return (error: unknown) =>
    error instanceof HubError && error.code === code && (!pattern || pattern.test(error.message));
}

dbTest("ApiKeyService: create shows the key once and stores only its hash", async ({ db }, t) => {
  const service = new ApiKeyService(db);
  const { key, record } = await service.create(
    { name: " ci ", scopes: "llm,ops:coord", limits: { rpm: 60, maxParallel: 2 } },
    CLI,
  );
  const secret = key.slice(record.prefix.length + 1);

  await t.step("the key has the hub format and verifies", async () => {
    assert.match(key, /^alk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.ok(key.startsWith(record.prefix + "_"));
    assert.equal(record.name, "ci");
    assert.deepEqual(record.scopes, ["llm", "ops:coord"]);
    assert.equal(record.status, "active");
    const verified = await service.verify(key);
    assert.deepEqual(
      { ...verified },
      {
        id: record.id,
        name: "ci",
        prefix: record.prefix,
        scopes: ["llm", "ops:coord"],
        limits: { rpm: 60, maxParallel: 2 },
      },
    );
  });

  await t.step("no stored row holds the key or its secret", async () => {
    const dump = await db.execute<{ row: string }>(
      sql`select row_to_json(k)::text as row from api_keys k union all select row_to_json(a)::text from audit_logs a`,
    );
    assert.equal(dump.rows.length, 2);
    for (const { row } of dump.rows) {
      assert.ok(!row.includes(secret), row);
      assert.ok(!row.includes(key), row);
    }
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, record.id));
    assert.equal(row.hash, await hashApiKey(key));
  });

  await t.step("list and get never return the hash", async () => {
    const [row] = await db.select().from(apiKeys);
    for (const listed of [...await service.list(), await service.get(record.id)]) {
      assert.ok(!("hash" in listed));
      assert.ok(!JSON.stringify(listed).includes(row.hash));
    }
    assert.equal((await service.get(record.prefix)).id, record.id);
  });

  await t.step("a wrong secret or unknown key is refused", async () => {
    const wrong = `${record.prefix}_${"A".repeat(43)}`;
    await assert.rejects(service.verify(wrong), isCode("unauthorized", /^Invalid API key$/));
    await assert.rejects(service.verify("nope"), isCode("unauthorized", /^Invalid API key$/));
  });
});

dbTest("ApiKeyService: revoke refuses the key at once and is idempotent", async ({ db }, t) => {
  const service = new ApiKeyService(db);
  const { key, record } = await service.create({ name: "temp", scopes: ["ops"] }, CLI);
  const other = await service.create({ name: "kept", scopes: ["llm"] }, CLI);
  const revoked: string[] = [];
  service.onRevoked((id) => revoked.push(id));

  await t.step("revoking writes revoked_at, an audit row, and tells listeners", async () => {
    const result = await service.revoke(record.id, { via: "http", keyId: other.record.id });
    assert.equal(result.changed, true);
    assert.equal(result.record.status, "revoked");
    assert.ok(result.record.revokedAt instanceof Date);
    assert.deepEqual(revoked, [record.id]);
    await assert.rejects(service.verify(key), isCode("unauthorized", /^API key has been revoked$/));
    const rows = await db.select().from(auditLogs).where(eq(auditLogs.action, "api_key.revoke"));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].targetId, record.id);
    assert.equal(rows[0].actorKeyId, other.record.id);
    assert.deepEqual(rows[0].details, { name: "temp", prefix: record.prefix, via: "http" });
  });

  await t.step("a second revoke changes nothing and writes no audit row", async () => {
    const again = await service.revoke(record.prefix, CLI);
    assert.equal(again.changed, false);
    assert.equal(
      again.record.revokedAt?.getTime(),
      (await service.get(record.id)).revokedAt?.getTime(),
    );
    const rows = await db.select().from(auditLogs).where(eq(auditLogs.action, "api_key.revoke"));
    assert.equal(rows.length, 1);
  });

  await t.step("an unknown id is not_found, named", async () => {
    await assert.rejects(
      service.revoke("nope", CLI),
      isCode("not_found", /^Cannot revoke API key "nope": no such key$/),
    );
    await assert.rejects(service.get("alk_000000000000"), isCode("not_found"));
  });

  await t.step("list hides revoked keys unless asked", async () => {
    assert.deepEqual((await service.list()).map((k) => k.name), ["kept"]);
    const all = await service.list({ includeRevoked: true });
    assert.deepEqual(all.map((k) => [k.name, k.status]), [["temp", "revoked"], ["kept", "active"]]);
  });
});

dbTest("ApiKeyService: an expired key is refused and listed as expired", async ({ db }) => {
  let now = new Date("2030-01-01T00:00:00Z");
  const service = new ApiKeyService(db, { now: () => now });
  const expiresAt = new Date("2030-01-01T01:00:00Z");
  const { key, record } = await service.create({ name: "short", scopes: ["llm"], expiresAt }, CLI);
  assert.equal((await service.verify(key)).expiresAt?.getTime(), expiresAt.getTime());
  now = new Date("2030-01-01T01:00:00Z");
  await assert.rejects(service.verify(key), isCode("unauthorized", /^API key has expired$/));
  assert.equal((await service.get(record.id)).status, "expired");
});

dbTest("ApiKeyService: bad input is bad_request and writes nothing", async ({ db }, t) => {
  const now = new Date("2030-01-01T00:00:00Z");
  const service = new ApiKeyService(db, { now: () => now });
  const cases: Array<[string, Partial<CreateApiKeyInput>, RegExp]> = [
    ["an empty name", { name: "  " }, /^Cannot create API key: name is empty$/],
    ["a long name", { name: "n".repeat(101) }, /name must be 1-100 printable characters/],
    ["a control character", { name: "a\nb" }, /printable/],
    ["a bad scope", { scopes: "llm,root" }, /^Invalid scope "root"/],
    ["no scopes", { scopes: [] }, /at least one scope/],
    [
      "a past expiry",
      { expiresAt: new Date("2029-12-31T23:59:59Z") },
      /expiry 2029-12-31T23:59:59.000Z is not in the future/,
    ],
    ["expiry now", { expiresAt: now }, /not in the future/],
    ["a bad date", { expiresAt: "soon" }, /expiresAt is not a valid date/],
    ["a zero limit", { limits: { rpm: 0 } }, /limit rpm must be a positive integer, got 0/],
    ["a fractional limit", { limits: { tpm: 1.5 } }, /limit tpm must be a positive integer/],
    ["a string limit", { limits: { maxParallel: "2" as unknown as number } }, /maxParallel/],
    ["an unknown limit", { limits: { rps: 1 } as never }, /unknown limit "rps"/],
    ["array metadata", { metadata: [] as never }, /metadata must be an object/],
    ["huge metadata", { metadata: { x: "y".repeat(9000) } }, /metadata exceeds 8192 bytes/],
    [
      "an expiry past year 9999",
      { expiresAt: "+275760-09-13T00:00:00.000Z" },
      /expiresAt must be before year 10000/,
    ],
    ["metadata with a NUL", { metadata: { note: "a\u0000b" } }, /metadata text .* NUL/],
    ["metadata key with a NUL", { metadata: { "a\u0000": 1 } }, /metadata text .* NUL/],
    [
      "metadata with a lone surrogate",
      { metadata: { deep: [{ note: "x\ud800" }] } },
      /metadata text .* lone surrogate/,
    ],
    ["an unknown account", { accountId: "missing" }, /no such account "missing"/],
    ["an unknown organization", { organizationId: "missing" }, /no such organization "missing"/],
  ];
  for (const [name, patch, pattern] of cases) {
    await t.step(name, async () => {
      const input = { name: "k", scopes: ["llm"], ...patch } as CreateApiKeyInput;
      await assert.rejects(service.create(input, CLI), isCode("bad_request", pattern));
    });
  }
  assert.equal((await db.select().from(apiKeys)).length, 0);
  assert.equal((await db.select().from(auditLogs)).length, 0);
});

dbTest("ApiKeyService: owner ids are stored and returned by verification", async ({ db }) => {
  const [account] = await db.insert(accounts).values({ name: "Ada" }).returning();
  const [org] = await db.insert(organizations).values({ name: "Acme", slug: "acme" }).returning();
  const service = new ApiKeyService(db);
  const { key, record } = await service.create(
    {
      name: "owned",
      scopes: ["sessions"],
      accountId: account.id,
      organizationId: org.id,
      metadata: { team: "x" },
    },
    CLI,
  );
  assert.equal(record.accountId, account.id);
  assert.deepEqual(record.metadata, { team: "x" });
  const verified = await service.verify(key);
  assert.equal(verified.accountId, account.id);
  assert.equal(verified.organizationId, org.id);
  assert.deepEqual((await service.list({ accountId: account.id })).map((k) => k.id), [record.id]);
  assert.deepEqual(await service.list({ organizationId: "other" }), []);
});

dbTest("ApiKeyService: create and its audit row commit together", async ({ db }, t) => {
  const service = new ApiKeyService(db);
  await t.step("the audit row names the key, its scopes and the actor", async () => {
    const { record } = await service.create({ name: "audited", scopes: ["events"] }, {
      via: "http",
      keyId: "k1",
    });
    const [row] = await db.select().from(auditLogs);
    assert.equal(row.action, "api_key.create");
    assert.equal(row.targetType, "api_key");
    assert.equal(row.targetId, record.id);
    assert.equal(row.actorKeyId, "k1");
    assert.deepEqual(row.details, {
      name: "audited",
      prefix: record.prefix,
      scopes: ["events"],
      expiresAt: null,
      limits: {},
      via: "http",
    });
  });

  await t.step("a failing audit insert leaves no key row", async () => {
    await db.execute(sql`
      create function refuse_audit() returns trigger language plpgsql as
      $$ begin raise exception 'audit log is read-only'; end $$`);
    await db.execute(sql`
      create trigger refuse_audit before insert on audit_logs
      for each row execute function refuse_audit()`);
    await assert.rejects(service.create({ name: "orphan", scopes: ["llm"] }, CLI));
    assert.deepEqual((await db.select().from(apiKeys)).map((k) => k.name), ["audited"]);
    const { record } = await service.list().then((keys) => ({ record: keys[0] }));
    await assert.rejects(service.revoke(record.id, CLI));
    assert.equal((await service.get(record.id)).revokedAt, null);
  });

  await t.step("audit() records other admin actions", async () => {
    await db.execute(sql`drop trigger refuse_audit on audit_logs`);
    await service.audit("operation.call", { via: "mcp", keyId: "k2" }, {
      type: "operation",
      id: "coord.spawn",
    }, { ok: true });
    const rows = await db.select().from(auditLogs).where(eq(auditLogs.action, "operation.call"));
    assert.deepEqual(rows[0].details, { ok: true, via: "mcp" });
    assert.equal(rows[0].targetId, "coord.spawn");
  });
});
