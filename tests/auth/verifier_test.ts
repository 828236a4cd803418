import assert from "node:assert/strict";
import { createPubSub } from "@alkdev/pubsub";
import { HubError } from "@hub/errors";
import {
  ApiKeyService,
  type AuthEvents,
  createCachedVerifier,
  generateApiKey,
  KEY_REVOKED,
  keyRevokedEvent,
  type KeyVerificationSource,
  publishRevocations,
  revocationSubscriber,
  type VerifiedApiKey,
} from "../../src/auth/mod.ts";
import { dbTest } from "./_db.ts";

const T0 = new Date("2030-01-01T00:00:00Z").getTime();

/** A clock the test moves by hand: no sleeping. */
function clock() {
  let ms = T0;
  return { now: () => new Date(ms), advance: (by: number) => void (ms += by) };
}

/** A key source that knows keys by hash and counts lookups, standing in for the database. */
async function fakeSource(expiresAt?: Date) {
  const generated = await generateApiKey();
  const known = new Map<string, VerifiedApiKey>([[generated.hash, {
    id: "key-1",
    name: "fake",
    prefix: generated.prefix,
    scopes: ["llm"],
    limits: {},
    ...(expiresAt ? { expiresAt } : {}),
  }]]);
  let pending: PromiseWithResolvers<void> | undefined;
  const entered = Promise.withResolvers<void>();
  const source = {
    calls: 0,
    failNext: false,
    /** Holds lookups until the returned gate resolves; `entered` says one is waiting. */
    hold() {
      pending = Promise.withResolvers();
      return { gate: pending, entered: entered.promise };
    },
    async verifyHash(_prefix: string, hash: string) {
      source.calls += 1;
      entered.resolve();
      if (pending) await pending.promise;
      if (source.failNext) {
        source.failNext = false;
        throw new HubError("unavailable", "database down");
      }
      const found = known.get(hash);
      if (!found) throw new HubError("unauthorized", "Invalid API key");
      return found;
    },
  } satisfies KeyVerificationSource & Record<string, unknown>;
  return { source, key: generated.key, prefix: generated.prefix };
}

Deno.test("createCachedVerifier(): hits, TTL, expiry and refusals", async (t) => {
  await t.step("a hit within the TTL does not ask the source", async () => {
    const { source, key } = await fakeSource();
    const time = clock();
    const seen: string[] = [];
    const verifier = createCachedVerifier(source, {
      now: time.now,
      onVerified: (k) => seen.push(k.id),
    });
    const first = await verifier.verify(key);
    time.advance(4999);
    assert.equal(await verifier.verify(key), first);
    assert.equal(source.calls, 1);
    assert.equal(verifier.size, 1);
    assert.deepEqual(seen, ["key-1", "key-1"]);
    time.advance(1);
    await verifier.verify(key);
    assert.equal(source.calls, 2, "an entry as old as the TTL is looked up again");
  });

  await t.step("expiry is rechecked on every hit", async () => {
    const { source, key } = await fakeSource(new Date(T0 + 1000));
    const time = clock();
    const verifier = createCachedVerifier(source, { now: time.now, ttlMs: 60_000 });
    await verifier.verify(key);
    time.advance(1000);
    await assert.rejects(verifier.verify(key), /^HubError: API key has expired$/);
    assert.equal(source.calls, 1);
    assert.equal(verifier.size, 0);
  });

  await t.step("a refusal is reused briefly, then asked again", async () => {
    const { source, prefix, key } = await fakeSource();
    const time = clock();
    const verifier = createCachedVerifier(source, { now: time.now });
    const wrong = `${prefix}_${"A".repeat(43)}`;
    await assert.rejects(verifier.verify(wrong), /Invalid API key/);
    await assert.rejects(verifier.verify(wrong), /Invalid API key/);
    assert.equal(source.calls, 1);
    time.advance(1000);
    await assert.rejects(verifier.verify(wrong), /Invalid API key/);
    assert.equal(source.calls, 2);
    // A wrong secret for a real prefix never shadows the right key.
    await verifier.verify(key);
    await assert.rejects(verifier.verify(wrong), /Invalid API key/);
    assert.equal((await verifier.verify(key)).id, "key-1");
    assert.equal(source.calls, 3);
  });

  await t.step("a malformed key never reaches the source; an outage is not cached", async () => {
    const { source, key } = await fakeSource();
    const verifier = createCachedVerifier(source, { now: clock().now });
    await assert.rejects(verifier.verify("Bearer nope"), /Invalid API key/);
    assert.equal(source.calls, 0);
    source.failNext = true;
    await assert.rejects(
      verifier.verify(key),
      (error) => (error as HubError).code === "unavailable",
    );
    assert.equal((await verifier.verify(key)).id, "key-1");
    assert.equal(source.calls, 2);
  });

  await t.step(
    "during an outage a verified key is served for a grace period past its TTL",
    async () => {
      const { source, key } = await fakeSource();
      const time = clock();
      const verifier = createCachedVerifier(source, {
        now: time.now,
        staleIfUnavailableMs: 30_000,
      });
      const first = await verifier.verify(key);
      time.advance(5000);
      source.failNext = true;
      assert.equal(await verifier.verify(key), first, "the source failed: the last answer stands");
      assert.equal(source.calls, 2, "the source was asked first");
      time.advance(29_999);
      source.failNext = true;
      assert.equal(await verifier.verify(key), first);
      time.advance(1);
      source.failNext = true;
      await assert.rejects(
        verifier.verify(key),
        (error) => (error as HubError).code === "unavailable",
      );
      // The database answers again: a fresh verification restarts the TTL.
      assert.equal((await verifier.verify(key)).id, "key-1");
      assert.equal(source.calls, 5);
    },
  );

  await t.step("the grace never outlives a revocation, an expiry or a refusal", async () => {
    const { source, key } = await fakeSource(new Date(T0 + 20_000));
    const time = clock();
    const verifier = createCachedVerifier(source, { now: time.now });
    await verifier.verify(key);
    time.advance(6000);
    verifier.invalidate("key-1");
    source.failNext = true;
    await assert.rejects(
      verifier.verify(key),
      (error) => (error as HubError).code === "unavailable",
    );
    await verifier.verify(key);
    time.advance(14_000);
    source.failNext = true;
    await assert.rejects(verifier.verify(key), /^HubError: API key has expired$/);
  });

  await t.step("invalidate() drops a key at once", async () => {
    const { source, key } = await fakeSource();
    const verifier = createCachedVerifier(source, { now: clock().now });
    await verifier.verify(key);
    verifier.invalidate("other-key");
    assert.equal(verifier.size, 1);
    verifier.invalidate("key-1");
    assert.equal(verifier.size, 0);
    await verifier.verify(key);
    assert.equal(source.calls, 2);
  });

  await t.step("a lookup that overlapped an invalidation is not cached", async () => {
    const { source, key } = await fakeSource();
    const verifier = createCachedVerifier(source, { now: clock().now });
    const { gate, entered } = source.hold();
    const inFlight = verifier.verify(key);
    await entered;
    verifier.invalidate("key-1");
    gate.resolve();
    await inFlight;
    assert.equal(verifier.size, 0);
  });

  await t.step("each cache is bounded, oldest out first", async () => {
    const { source, prefix } = await fakeSource();
    const verifier = createCachedVerifier(source, { now: clock().now, maxEntries: 2 });
    const bad = (c: string) => `${prefix}_${c.repeat(43)}`;
    for (const c of ["A", "B", "C"]) await verifier.verify(bad(c)).catch(() => {});
    await verifier.verify(bad("C")).catch(() => {});
    await verifier.verify(bad("A")).catch(() => {});
    assert.equal(source.calls, 4, "C was cached, A was evicted");
  });

  await t.step(
    "revocations from the source and the subscribe hook invalidate; close() unsubscribes",
    async () => {
      const { source, key } = await fakeSource();
      const listeners = {
        source: new Set<(id: string) => void>(),
        remote: new Set<(id: string) => void>(),
      };
      const withHooks = {
        verifyHash: source.verifyHash,
        onRevoked: (listener: (id: string) => void) => {
          listeners.source.add(listener);
          return () => listeners.source.delete(listener);
        },
      };
      const verifier = createCachedVerifier(withHooks, {
        now: clock().now,
        subscribe: (listener) => {
          listeners.remote.add(listener);
          return () => listeners.remote.delete(listener);
        },
      });
      for (const set of [listeners.source, listeners.remote]) {
        await verifier.verify(key);
        assert.equal(verifier.size, 1);
        for (const listener of set) listener("key-1");
        assert.equal(verifier.size, 0);
      }
      verifier.close();
      assert.equal(listeners.source.size + listeners.remote.size, 0);
    },
  );
});

dbTest("createCachedVerifier(): a revocation refuses a cached key at once", async ({ db }, t) => {
  await t.step("in this process, through the service", async () => {
    const service = new ApiKeyService(db);
    const verifier = createCachedVerifier(service, { ttlMs: 60_000 });
    const { key, record } = await service.create({ name: "cached", scopes: ["llm"] }, {
      via: "cli",
    });
    await verifier.verify(key);
    assert.equal(verifier.size, 1);
    await service.revoke(record.id, { via: "cli" });
    await assert.rejects(verifier.verify(key), /API key has been revoked/);
    verifier.close();
  });

  await t.step("in another hub, through pubsub", async () => {
    // Two hubs on one database: each has its own service and cache, one pubsub links them.
    const pubsub = createPubSub<AuthEvents>();
    const hubA = new ApiKeyService(db);
    const hubB = new ApiKeyService(db);
    const published: unknown[] = [];
    const sniff = pubsub.subscribe(KEY_REVOKED)[Symbol.asyncIterator]();
    const first = sniff.next().then((result) => published.push(result.value));
    const unpublish = publishRevocations(hubA, pubsub);
    const verifierB = createCachedVerifier(hubB, {
      ttlMs: 60_000,
      subscribe: revocationSubscriber(pubsub),
    });
    const { key, record } = await hubA.create({ name: "shared", scopes: ["ops"] }, { via: "http" });
    await verifierB.verify(key);
    assert.equal(verifierB.size, 1);
    await hubA.revoke(record.id, { via: "http" });
    await first;
    assert.deepEqual(published, [keyRevokedEvent(record.id)]);
    assert.equal(verifierB.size, 0);
    await assert.rejects(verifierB.verify(key), /API key has been revoked/);
    verifierB.close();
    unpublish();
    await sniff.return?.();
  });
});
