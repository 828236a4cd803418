import assert from "node:assert/strict";
import { withHub } from "../../helpers/hub.ts";
import { mcpWithStream, within } from "./_streams.ts";

const LIFETIME_MS = 3000;

Deno.test("hub: an SSE stream and an MCP GET stream end when their key expires", async () => {
  await withHub(async (hub, { request }) => {
    const { key } = await hub.keys.create(
      {
        name: "short-lived",
        scopes: ["events", "ops"],
        expiresAt: new Date(Date.now() + LIFETIME_MS),
      },
      { via: "system" },
    );
    const stream = await request("/api/v1/events?topic=probe", { key });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /event: ready/);
    const mcp = await mcpWithStream(hub.url, key);

    let rest = "";
    await within(
      (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
      })(),
      LIFETIME_MS + 10_000,
      "the SSE stream's end",
    );
    assert.match(rest, /event: error/);
    assert.match(rest, /expired/);
    await within(mcp.streamEnded, 10_000, "the MCP GET stream's end");
    await mcp.client.close().catch(() => {});
  });
});
