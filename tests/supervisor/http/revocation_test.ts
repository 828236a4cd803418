import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { VERSION } from "../../../src/version.ts";
import { withHub } from "../../helpers/hub.ts";

/** The official MCP client on the hub's `/mcp` with `key`. */
async function mcpClient(url: string, key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    reconnectionOptions: {
      maxRetries: 0,
      initialReconnectionDelay: 10,
      maxReconnectionDelay: 10,
      reconnectionDelayGrowFactor: 1,
    },
  });
  const client = new Client({ name: "revocation-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

Deno.test("hub: one key works on HTTP, SSE and MCP within its scopes, and a revocation stops it everywhere", async () => {
  await withHub(async (hub, { request }) => {
    const { key, record } = await hub.keys.create(
      { name: "all-paths", scopes: ["ops", "events"] },
      { via: "system" },
    );

    // MCP, through the real hub: only what the key may call, and a call recorded in the call graph.
    const client = await mcpClient(hub.url, key);
    const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
    assert.deepEqual(tools, ["calls.get", "hub.status"]);
    const result = await client.callTool({ name: "hub.status", arguments: {} });
    assert.equal(result.isError, undefined);
    assert.equal((result.structuredContent as { version: string }).version, VERSION);

    // SSE and HTTP.
    const stream = await request("/api/v1/events?topic=probe", { key });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /event: ready/);
    assert.equal((await request("/api/v1/operations", { key })).status, 200);

    // A malformed revocation on the bus is ignored; the real one still takes effect.
    hub.pubsub.publish("auth.key_revoked", "junk", null as never);
    await hub.keys.revoke(record.id, { via: "system" });

    assert.equal((await request("/api/v1/operations", { key })).status, 401);
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
    assert.match(rest, /unauthorized/);
    await assert.rejects(client.callTool({ name: "hub.status", arguments: {} }));
    await client.close().catch(() => {});
  });
});
