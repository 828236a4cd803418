import assert from "node:assert/strict";
import { join } from "node:path";
import { listen } from "@alkdev/operations";
import { createPubSub } from "@alkdev/pubsub";
import { ApiKeyService, KEY_REVOKED } from "../../../src/auth/mod.ts";
import type { HubEvents } from "../../../src/supervisor/events.ts";
import { watchOpenKeys } from "../../../src/supervisor/keys/key_watch.ts";
import { waitFor } from "../../helpers/wait_for.ts";
import { withHub } from "../../helpers/hub.ts";
import { rawSocket } from "../spokes/_rig.ts";
import { mcpWithStream, within } from "./_streams.ts";

const RECHECK_MS = 200;
// The documented bound is one interval plus one query; the wait allows far more on a loaded machine.
const BOUND_MS = 10_000;

Deno.test("hub: a key revoked by another process loses its spoke socket, SSE stream and MCP session", async () => {
  const dir = await Deno.makeTempDir();
  const config = join(dir, "hub.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({ limits: { keyRecheckIntervalMs: RECHECK_MS } }),
  );
  try {
    await withHub(async (hub, { request }) => {
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

      // Another process: its own service on the same database, no link to this hub's bus.
      const elsewhere = new ApiKeyService(hub.storage.database.db);
      assert.equal((await elsewhere.revoke(record.id, { via: "cli" })).changed, true);

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
    }, { config });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
