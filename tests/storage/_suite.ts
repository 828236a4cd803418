/**
 * The storage behaviour every driver must show. `storage_test.ts` runs it
 * against PGlite always and against PostgreSQL when HUB_TEST_DATABASE_URL is set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { count, eq, sql } from "drizzle-orm";
import {
  accounts,
  apiKeys,
  auditLogs,
  isForeignKeyViolation,
  isUniqueViolation,
  MIGRATIONS_FOLDER,
  organizationMembers,
  organizations,
  runMigrations,
} from "../../src/storage/mod.ts";
import { metagraphSteps } from "./_metagraph_steps.ts";
import { type Target, withDatabase } from "./_target.ts";

export type { Target };

/** Registers the storage steps under `t`. */
export async function storageSuite(t: Deno.TestContext, target: Target): Promise<void> {
  await t.step("runMigrations() applies every migration once, then none", async () => {
    const journal = JSON.parse(await Deno.readTextFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`));
    await withDatabase(target, async (database) => {
      assert.equal(database.driver, target.driver);
      await database.ping();
      assert.deepEqual(await runMigrations(database), { applied: journal.entries.length });
      assert.deepEqual(await runMigrations(database), { applied: 0 });
      const tables = await database.db.execute<{ name: string }>(
        sql`select table_name as name from information_schema.tables
            where table_schema = 'public' order by table_name`,
      );
      assert.deepEqual(tables.rows.map((row) => row.name), [
        "accounts",
        "api_keys",
        "audit_logs",
        "edge_types",
        "edges",
        "graph_types",
        "graphs",
        "llm_providers",
        "llm_usage",
        "node_types",
        "nodes",
        "organization_members",
        "organizations",
      ]);
    }, true);
  });

  await t.step("api_keys keeps scopes and limits as JSONB", async () => {
    await withDatabase(target, async ({ db }) => {
      const [owner] = await db.insert(accounts).values({ name: "Ada" }).returning();
      await db.insert(apiKeys).values([
        {
          name: "ops",
          prefix: "hub_aaaa",
          hash: "a".repeat(64),
          accountId: owner.id,
          scopes: ["ops:call", "admin"],
          limits: { rpm: 60, maxParallel: 4 },
        },
        { name: "reader", prefix: "hub_bbbb", hash: "b".repeat(64), scopes: ["ops:read"] },
      ]);
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.hash, "a".repeat(64)));
      assert.deepEqual(row.scopes, ["ops:call", "admin"]);
      assert.deepEqual(row.limits, { rpm: 60, maxParallel: 4 });
      assert.deepEqual(row.metadata, {});
      assert.ok(row.createdAt instanceof Date);
      assert.equal(row.revokedAt, null);
      const admins = await db.select({ name: apiKeys.name }).from(apiKeys)
        .where(sql`${apiKeys.scopes} @> '["admin"]'::jsonb`);
      assert.deepEqual(admins, [{ name: "ops" }]);
      const withOwner = await db.query.apiKeys.findFirst({
        where: eq(apiKeys.prefix, "hub_aaaa"),
        with: { account: true },
      });
      assert.equal(withOwner?.account?.name, "Ada");
    });
  });

  await t.step("api_keys.hash is unique", async () => {
    await withDatabase(target, async ({ db }) => {
      const key = { name: "one", prefix: "hub_cccc", hash: "c".repeat(64) };
      await db.insert(apiKeys).values(key);
      await assert.rejects(db.insert(apiKeys).values({ ...key, name: "two" }), isUniqueViolation);
      const [{ n }] = await db.select({ n: count() }).from(apiKeys);
      assert.equal(n, 1);
    });
  });

  await metagraphSteps(t, target);

  await t.step(
    "deleting an account removes its keys and memberships, not the audit log",
    async () => {
      await withDatabase(target, async ({ db }) => {
        const [ada] = await db.insert(accounts).values({ name: "Ada" }).returning();
        const [org] = await db.insert(organizations).values({ name: "Org", slug: "org" })
          .returning();
        await db.insert(organizationMembers).values({ organizationId: org.id, accountId: ada.id });
        await assert.rejects(
          db.insert(organizationMembers).values({ organizationId: org.id, accountId: ada.id }),
          isUniqueViolation,
        );
        const [key] = await db.insert(apiKeys)
          .values({ name: "k", prefix: "hub_dddd", hash: "d".repeat(64), accountId: ada.id })
          .returning();
        await db.insert(auditLogs).values({
          actorKeyId: key.id,
          actorAccountId: ada.id,
          action: "api_key.create",
          targetType: "api_key",
          targetId: key.id,
        });
        await db.delete(accounts).where(eq(accounts.id, ada.id));
        assert.equal((await db.select().from(apiKeys)).length, 0);
        assert.equal((await db.select().from(organizationMembers)).length, 0);
        const [log] = await db.select().from(auditLogs);
        assert.equal(log.actorKeyId, key.id);
        await assert.rejects(
          db.insert(organizationMembers).values({ organizationId: org.id, accountId: "missing" }),
          isForeignKeyViolation,
        );
      });
    },
  );

  await t.step("a transaction that throws rolls back", async () => {
    await withDatabase(target, async ({ db }) => {
      const boom = new Error("boom");
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.insert(accounts).values({ name: "Ghost" });
          await tx.insert(organizations).values({ name: "Ghost Org", slug: "ghost" });
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.equal((await db.select().from(accounts)).length, 0);
      assert.equal((await db.select().from(organizations)).length, 0);
      // The connection is usable afterwards: the rollback really ended the transaction.
      await db.insert(accounts).values({ name: "Real" });
      assert.equal((await db.select().from(accounts)).length, 1);
    });
  });
}
