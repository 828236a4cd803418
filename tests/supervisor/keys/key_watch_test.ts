import assert from "node:assert/strict";
import { join } from "node:path";
import { listen } from "@alkdev/operations";
import { createPubSub } from "@alkdev/pubsub";
import { ApiKeyService, KEY_REVOKED } from "../../../src/auth/mod.ts";
import type { HubEvents } from "../../../src/supervisor/events.ts";
import { watchOpenKeys } from "../../../src/supervisor/keys/key_watch.ts";
import { waitFor } from "../../helpers/wait_for.ts";
import type { Hub } from "../../../src/supervisor/mod.ts";
import { freshPostgres } from "../../helpers/db.ts";
import { type HubTestContext, withHub } from "../../helpers/hub.ts";
import { TEST_DATABASE_URL } from "../../helpers/services.ts";
import { rawSocket } from "../spokes/_rig.ts";
import { mcpWithStream, within } from "./_streams.ts";

const RECHECK_MS = 200;
// The documented bound is one interval plus one query; the wait allows far more on a loaded machine.
const BOUND_MS = 10_000;

/**
 * Opens a spoke socket, an SSE stream and an MCP session with a key, revokes it through
 * `elsewhere` (another service on the same database, not linked to the hub's bus) and checks
 * that all three close within the bound.
 */
async function revokedElsewhere(
  hub: Hub,
  request: HubTestContext["request"],
  elsewhere: (hub: Hub) => ApiKeyService,
): Promise<void> {
  const { key, record } = await hub.keys.create(
    { name: "elsewhere", scopes: ["spoke", "events", "ops"] },
    { via: "system" },
  );
  const socket = await rawSocket(hub.url.replace(/^http/, "ws") + "/ws", key);
  await socket.next("welcome");
  const stream = await request("/api/v1/events?topic=probe", { key });
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.match((await reader.read()).value!, /event: ready/);
  const mcp = await mcpWithStream(hub.url, key);

  assert.equal((await elsewhere(hub).revoke(record.id, { via: "cli" })).changed, true);

  const closed = await within(socket.closed, BOUND_MS, "the spoke socket's close");
  assert.equal(closed.code, 4401);
  assert.match(closed.reason, /revoked/);
  let rest = "";
  await within(
    (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
    })(),
    BOUND_MS,
    "the SSE stream's end",
  );
  assert.match(rest, /event: error/);
  assert.match(rest, /revoked/);
  await within(mcp.streamEnded, BOUND_MS, "the MCP GET stream's end");
  await mcp.client.close().catch(() => {});
}

async function withRecheckConfig(fn: (config: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const config = join(dir, "hub.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({ limits: { keyRecheckIntervalMs: RECHECK_MS } }),
  );
  try {
    await fn(config);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("hub (PGlite): a key revoked by another service loses its spoke socket, SSE stream and MCP session", async () => {
  await withRecheckConfig(async (config) => {
    await withHub(
      (hub, { request }) =>
        revokedElsewhere(hub, request, (h) => new ApiKeyService(h.storage.database.db)),
      { config },
    );
  });
});

Deno.test({
  name:
    "hub (PostgreSQL): a key revoked over another connection loses its spoke socket, SSE stream and MCP session",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const postgres = await freshPostgres();
    try {
      await withRecheckConfig(async (config) => {
        await withHub(
          // Another pool on the same database: what `hub keys revoke` in another process uses.
          (hub, { request }) =>
            revokedElsewhere(hub, request, () => new ApiKeyService(postgres.db)),
          { config, databaseUrl: postgres.url },
        );
      });
    } finally {
      await postgres.drop();
    }
  },
});

Deno.test("watchOpenKeys announces only open keys missing from the active set, and nothing while the lookup fails", async () => {
  const pubsub = createPubSub<HubEvents>();
  const announced: string[] = [];
  const listening = listen(pubsub, KEY_REVOKED, (event) => void announced.push(event.id));
  let lookups = 0;
  let failing = true;
  const watch = watchOpenKeys({
    openKeys: () => ["kept", "gone"],
    activeKeys: () => {
      lookups += 1;
      return failing ? Promise.reject(new Error("database down")) : Promise.resolve(["kept", "x"]);
    },
    pubsub,
    intervalMs: 60_000,
  });
  try {
    await watch.check();
    await Promise.resolve();
    assert.deepEqual(announced, []);
    failing = false;
    await watch.check();
    await waitFor(() => announced.length > 0, { what: "the announcement" });
    assert.deepEqual(announced, ["gone"]);
    assert.equal(lookups, 2); // one lookup per check for all open keys
  } finally {
    watch.close();
    await listening.close();
  }
});
