import assert from "node:assert/strict";
import { MAX_MCP_BATCH } from "../../../../src/supervisor/http/mcp/endpoint.ts";
import { initializeRequest, KEYS, postMcp, startMcpRig } from "./_helpers.ts";

const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });

Deno.test("mcp: a batch over the limit is refused before the transport; small batches work", async (t) => {
  const rig = startMcpRig();
  try {
    const opened = await postMcp(rig, KEYS.ops.token, initializeRequest());
    const sessionId = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };

    await t.step(
      "20,000 pings (the transport would answer in quadratic time) are refused",
      async () => {
        const batch = Array.from({ length: 20_000 }, (_, i) => ping(i));
        const response = await postMcp(rig, KEYS.ops.token, batch, headers);
        assert.equal(response.status, 400);
        const body = await response.json();
        assert.equal(body.error.code, -32600);
        assert.match(body.error.message, /a batch of 20000 messages is over the limit of 16/);
        // The hub answered the refusal without working through the batch: /health answers too.
        assert.equal((await fetch(new URL("/health", rig.mcpUrl))).status, 200);
      },
    );

    await t.step("the same refusal when the batch opens a session", async () => {
      const batch = [
        initializeRequest(),
        ...Array.from({ length: MAX_MCP_BATCH }, (_, i) => ping(i)),
      ];
      const response = await postMcp(rig, KEYS.ops.token, batch);
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error.code, -32600);
      assert.equal(rig.endpoint.sessionCount(), 1, "no session was opened");
    });

    await t.step(`a batch of ${MAX_MCP_BATCH} reaches the transport`, async () => {
      const batch = Array.from({ length: MAX_MCP_BATCH }, (_, i) => ping(i));
      const response = await postMcp(rig, KEYS.ops.token, batch, headers);
      const text = await response.text();
      assert.ok(response.status < 500, `${response.status} ${text}`);
      assert.doesNotMatch(text, /over the limit/);
    });
  } finally {
    await rig.close();
  }
});

Deno.test("mcp: tools/call with arguments that are not an object is -32602 with a clean message", async () => {
  const rig = startMcpRig();
  try {
    const opened = await postMcp(rig, KEYS.ops.token, initializeRequest());
    const sessionId = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
    for (const args of ["x", [1], 3]) {
      const response = await postMcp(rig, KEYS.ops.token, {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "test.add", arguments: args },
      }, headers);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.id, 7);
      assert.equal(body.error.code, -32602);
      assert.equal(
        body.error.message,
        "Invalid params: tools/call arguments must be a JSON object",
      );
      assert.equal(body.error.data.code, "bad_request");
    }
  } finally {
    await rig.close();
  }
});
