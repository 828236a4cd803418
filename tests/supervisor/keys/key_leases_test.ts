import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HubError } from "@hub/errors";
import { KeyLeases } from "../../../src/supervisor/keys/key_leases.ts";
import { withHub } from "../../helpers/hub.ts";

/** A config file with small per-key caps, in `dir`. */
async function capsConfig(dir: string, perKey: Record<string, number>): Promise<string> {
  const path = join(dir, "caps.json");
  await Deno.writeTextFile(path, JSON.stringify({ limits: { perKey } }));
  return path;
}

/** Opens a WebSocket on `/ws` with `key` in the header; resolves with its first event. */
function openSocket(url: string, key: string) {
  const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", {
    headers: { authorization: `Bearer ${key}` },
  });
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  const opened = new Promise<"open" | "closed">((resolve) => {
    ws.onopen = () => resolve("open");
    ws.onerror = () => resolve("closed");
  });
  return { ws, opened, closed };
}

Deno.test("KeyLeases refuses past the cap with rate_limited naming it, and a release frees a slot", () => {
  const leases = new KeyLeases({ eventStreams: 1 });
  const release = leases.acquire("k", "eventStreams");
  const refused = (() => {
    try {
      leases.acquire("k", "eventStreams");
    } catch (error) {
      return error;
    }
  })();
  assert.ok(refused instanceof HubError);
  assert.equal(refused.code, "rate_limited");
  assert.match(refused.message, /limits\.perKey\.eventStreams/);
  leases.acquire("other", "eventStreams")(); // another key is not affected
  release();
  release(); // twice is harmless
  assert.deepEqual(leases.keys(), []);
  leases.acquire("k", "eventStreams");
  assert.equal(leases.held("k", "eventStreams"), 1);
});

Deno.test("hub: /ws needs the spoke or events scope, before the upgrade and after an auth frame", async () => {
  await withHub(async (hub, { request }) => {
    const { key } = await hub.keys.create({ name: "llm-only", scopes: ["llm"] }, { via: "system" });
    const refused = await request("/ws", { key, headers: { upgrade: "websocket" } });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error.message, /"spoke" or "events" scope/);

    const ws = new WebSocket(hub.url.replace(/^http/, "ws") + "/ws");
    const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
    await new Promise((resolve) => ws.onopen = resolve);
    ws.send(JSON.stringify({ type: "auth", id: "a1", payload: { apiKey: key } }));
    const event = await closed;
    assert.equal(event.code, 4403);
    assert.match(event.reason, /scope/);
  });
});

Deno.test("hub: per-key caps on WebSockets, SSE streams, MCP sessions and calls, refused rate_limited", async () => {
  const dir = await Deno.makeTempDir();
  const config = await capsConfig(dir, {
    webSockets: 2,
    eventStreams: 1,
    mcpSessions: 1,
    calls: 1,
  });
  try {
    await withHub(async (hub, { request }) => {
      const { key } = await hub.keys.create(
        { name: "greedy", scopes: ["spoke", "events", "ops"] },
        { via: "system" },
      );
      const { key: other } = await hub.keys.create(
        { name: "other", scopes: ["spoke", "events", "ops"] },
        { via: "system" },
      );

      // WebSockets: two open, the third refused 429 before the upgrade; another key still gets in.
      const sockets = [openSocket(hub.url, key), openSocket(hub.url, key)];
      assert.deepEqual(await Promise.all(sockets.map((s) => s.opened)), ["open", "open"]);
      const third = await request("/ws", { key, headers: { upgrade: "websocket" } });
      assert.equal(third.status, 429);
      const body = await third.json();
      assert.equal(body.error.code, "rate_limited");
      assert.match(body.error.message, /limits\.perKey\.webSockets/);
      const otherSocket = openSocket(hub.url, other);
      assert.equal(await otherSocket.opened, "open");
      // A key that authenticates with its first frame is counted too: 4429.
      const late = new WebSocket(hub.url.replace(/^http/, "ws") + "/ws");
      const lateClosed = new Promise<CloseEvent>((resolve) => late.onclose = resolve);
      await new Promise((resolve) => late.onopen = resolve);
      late.send(JSON.stringify({ type: "auth", id: "a1", payload: { apiKey: key } }));
      assert.equal((await lateClosed).code, 4429);
      for (const s of [...sockets, otherSocket]) {
        s.ws.close();
        await s.closed;
      }

      // SSE: one stream, the second refused 429.
      const stream = await request("/api/v1/events?topic=probe", { key });
      assert.equal(stream.status, 200);
      const second = await request("/api/v1/events?topic=probe", { key });
      assert.equal(second.status, 429);
      assert.match((await second.json()).error.message, /limits\.perKey\.eventStreams/);
      await stream.body!.cancel();

      // MCP: one session, the second initialize refused with the rate_limited JSON-RPC code.
      const client = new Client({ name: "caps", version: "0.0.0" });
      const transport = (k: string) =>
        new StreamableHTTPClientTransport(new URL("/mcp", hub.url), {
          requestInit: { headers: { authorization: `Bearer ${k}` } },
        });
      await client.connect(transport(key));
      const refusedClient = new Client({ name: "caps-2", version: "0.0.0" });
      await assert.rejects(refusedClient.connect(transport(key)), /limits\.perKey\.mcpSessions/);
      await client.close();

      // Calls: one in flight per key; the next top-level call of the key is refused.
      const first = hub.caller.call("hub.status", {}, {
        identity: { keyId: "k-calls", scopes: ["ops"], via: "http" },
      });
      await assert.rejects(
        hub.caller.call("hub.status", {}, {
          identity: { keyId: "k-calls", scopes: ["ops"], via: "http" },
        }),
        (error: HubError) => error.code === "rate_limited" && /perKey\.calls/.test(error.message),
      );
      await first;
      // Freed once the call ended.
      await hub.caller.call("hub.status", {}, {
        identity: { keyId: "k-calls", scopes: ["ops"], via: "http" },
      });
    }, { config });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
