import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { join } from "node:path";
import { ApiKeyService, BOOTSTRAP_KEY_NAME, ensureBootstrapAdminKey } from "../../src/auth/mod.ts";
import { auditLogs } from "../../src/storage/mod.ts";
import { dbTest } from "./_db.ts";

dbTest(
  "ensureBootstrapAdminKey(): one audited admin key of the standard format",
  async ({ db }, t) => {
    const dir = await Deno.makeTempDir({ prefix: "hub_bootstrap_" });
    try {
      await t.step("a missing data dir fails and leaves no row behind", async () => {
        await assert.rejects(ensureBootstrapAdminKey(db, join(dir, "missing")));
        assert.deepEqual(await new ApiKeyService(db).list(), []);
        assert.deepEqual(await db.select().from(auditLogs), []);
      });

      await t.step("without an admin key, one is made, in a 0600 file", async () => {
        // A key made before the first start (hub keys create) is not an admin key.
        await new ApiKeyService(db).create({ name: "early", scopes: ["llm"] }, { via: "cli" });
        // Two hubs starting at once on one database: exactly one creates the key.
        const [first, second] = await Promise.all([
          ensureBootstrapAdminKey(db, dir),
          ensureBootstrapAdminKey(db, dir),
        ]);
        assert.equal([first, second].filter((r) => r.created).length, 1);
        const result = first.created ? first : second;
        assert.ok(result.created);
        const key = (await Deno.readTextFile(result.path)).trim();
        assert.match(key, /^alk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
        assert.equal((await Deno.stat(result.path)).mode! & 0o777, 0o600);
        const service = new ApiKeyService(db);
        const verified = await service.verify(key);
        assert.deepEqual([verified.name, verified.scopes, verified.prefix], [BOOTSTRAP_KEY_NAME, [
          "admin",
        ], result.prefix]);
        const [row] = await db.select().from(auditLogs).where(eq(auditLogs.targetId, result.id));
        assert.equal(row.action, "api_key.create");
        assert.equal(row.targetId, result.id);
        assert.equal(row.details.via, "bootstrap");
        assert.ok(!JSON.stringify(row).includes(key.slice(17)));
      });

      await t.step("an admin key, even revoked, means no new one", async () => {
        const before = await Deno.readTextFile(join(dir, "admin.key"));
        assert.deepEqual(await ensureBootstrapAdminKey(db, dir), { created: false });
        const service = new ApiKeyService(db);
        const admin = (await service.list()).find((key) => key.name === BOOTSTRAP_KEY_NAME)!;
        await service.revoke(admin.id, { via: "cli" });
        assert.deepEqual(await ensureBootstrapAdminKey(db, dir), { created: false });
        assert.equal(await Deno.readTextFile(join(dir, "admin.key")), before);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
