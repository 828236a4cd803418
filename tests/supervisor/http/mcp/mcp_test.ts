import assert from "node:assert/strict";
import Type from "typebox";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  type CallToolResult,
  McpError,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { defineOperation, serveOperations } from "@alkdev/operations";
import { ERROR_MAP } from "@hub/errors";
import type { CallRecord } from "../../../../src/graph/mod.ts";
import { echo, initializeRequest, KEYS, type McpRig, postMcp, startMcpRig } from "./_helpers.ts";
// @ts-types="@modelcontextprotocol/sdk/server/index"
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { waitFor } from "../../../helpers/wait_for.ts";

async function withRig(
  fn: (rig: McpRig) => Promise<void>,
  options?: Parameters<typeof startMcpRig>[0],
): Promise<void> {
  const rig = startMcpRig(options);
  try {
    await fn(rig);
  } finally {
    await rig.close();
  }
}

function mcpError(code: number, message?: RegExp, check?: (error: McpError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    check?.(error);
    return true;
  };
}

function httpError(status: number) {
  return (error: unknown) => {
    assert.ok(error instanceof StreamableHTTPError, `expected a StreamableHTTPError, got ${error}`);
    assert.equal(error.code, status, error.message);
    return true;
  };
}

function text(result: unknown): string {
  const [block] = (result as CallToolResult).content;
  assert.equal(block.type, "text");
  return (block as { text: string }).text;
}

Deno.test("mcp: tools, calls and errors through the MCP SDK client", async (t) => {
  await withRig(async (rig) => {
    const { client } = await rig.connect(KEYS.ops.token);

    await t.step("tools/list has only the operations the key may call, with schemas", async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name), [
        "test.add",
        "test.crashes",
        "test.echo",
        "test.fails",
        "test.slow",
        "test.upper",
      ]);
      const tool = tools.find((tool) => tool.name === "test.echo")!;
      assert.equal(tool.description, "Returns its text");
      assert.deepEqual(tool.inputSchema, echo.spec.input);
      assert.deepEqual(tool.outputSchema, echo.spec.output);
      assert.deepEqual(tool.annotations, { readOnlyHint: true });
      const upper = tools.find((tool) => tool.name === "test.upper")!;
      assert.deepEqual(upper.inputSchema, {
        type: "object",
        properties: { input: { type: "string", maxLength: 10 } },
        required: ["input"],
      });
    });

    await t.step(
      "a call returns the output, and the call graph records it as via mcp",
      async () => {
        const calls: CallRecord[] = [];
        const stop = rig.graph.onChange((call) => calls.push(call));
        const result = await client.callTool({ name: "test.echo", arguments: { text: "hi" } });
        stop();
        assert.deepEqual(result.structuredContent, { text: "hi" });
        assert.deepEqual(JSON.parse(text(result)), { text: "hi" });
        assert.equal(result.isError, undefined);
        const started = calls.find((call) => call.operation === "test.echo")!;
        assert.equal(started.via, "mcp");
        assert.equal(started.callerKeyId, KEYS.ops.key.id);
      },
    );

    await t.step("a non-object output is JSON text; a non-object input goes as input", async () => {
      const sum = await client.callTool({ name: "test.add", arguments: { a: 2, b: 3 } });
      assert.equal(text(sum), "5");
      assert.equal(sum.structuredContent, undefined);
      const upper = await client.callTool({ name: "test.upper", arguments: { input: "abc" } });
      assert.equal(text(upper), '"ABC"');
    });

    await t.step("bad arguments are a -32602 error naming the path", async () => {
      await assert.rejects(
        client.callTool({ name: "test.echo", arguments: { text: 1, count: -1 } }),
        mcpError(-32602, /Invalid input of "test\.echo": \/text must be string/, (error) => {
          assert.deepEqual(error.data, {
            code: "bad_request",
            details: {
              errors: [
                { path: "/text", message: "must be string" },
                { path: "/count", message: "must be >= 0" },
              ],
            },
          });
        }),
      );
      await assert.rejects(
        client.callTool({ name: "test.upper", arguments: { input: "far too long" } }),
        mcpError(-32602, /must not have more than 10 characters|maxLength|10/),
      );
    });

    await t.step("an unknown tool and a forbidden tool are JSON-RPC errors", async () => {
      await assert.rejects(
        client.callTool({ name: "test.missing", arguments: {} }),
        mcpError(ERROR_MAP.not_found.jsonRpc, /Cannot call tool "test\.missing": no such tool/),
      );
      await assert.rejects(
        client.callTool({ name: "admin.secret", arguments: {} }),
        mcpError(ERROR_MAP.forbidden.jsonRpc, /missing scope "admin"/),
      );
    });

    await t.step("a handler's error is an isError result with its code and message", async () => {
      const failed = await client.callTool({ name: "test.fails", arguments: {} });
      assert.equal(failed.isError, true);
      assert.deepEqual(JSON.parse(text(failed)), {
        error: {
          code: "upstream_error",
          message: "Cannot reach upstream: connection refused",
          requestId: failed._meta?.requestId,
        },
      });
      const crashed = await client.callTool({ name: "test.crashes", arguments: {} });
      assert.equal(crashed.isError, true);
      assert.equal(JSON.parse(text(crashed)).error.code, "internal");
      assert.doesNotMatch(text(crashed), /hunter2/);
    });

    await t.step("every tool result names its call, found in the call graph", async () => {
      const recordOf = (requestId: string) =>
        rig.graph.record(requestId) ??
          new Promise<CallRecord>((resolve) => {
            const stop = rig.graph.onChange((call) => {
              if (call.requestId !== requestId) return;
              stop();
              resolve(call);
            });
          });
      const ok = await client.callTool({ name: "test.echo", arguments: { text: "id" } });
      const okId = ok._meta?.requestId as string;
      assert.equal(typeof okId, "string");
      const okCall = await recordOf(okId);
      assert.deepEqual([okCall.operation, okCall.via], ["test.echo", "mcp"]);

      const failed = await client.callTool({ name: "test.fails", arguments: {} });
      const failedId = failed._meta?.requestId as string;
      assert.equal(JSON.parse(text(failed)).error.requestId, failedId);
      assert.notEqual(failedId, okId);
      assert.equal((await recordOf(failedId)).operation, "test.fails");
    });

    await t.step(
      "an HTTP-level refusal's data.requestId is the answer's x-request-id",
      async () => {
        const response = await postMcp(rig, KEYS.ops.token, { jsonrpc: "2.0", id: 1, method: "x" });
        assert.equal(response.status, 400);
        const body = await response.json();
        assert.equal(body.error.data.requestId, response.headers.get("x-request-id"));
      },
    );

    await t.step("a bad or missing key is refused with 401 and opens no session", async () => {
      const before = rig.endpoint.sessionCount();
      await assert.rejects(rig.connect("alk_wrong"), httpError(401));
      const response = await fetch(rig.mcpUrl, { method: "POST", body: "{}" });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "unauthorized");
      assert.equal(rig.endpoint.sessionCount(), before);
    });

    await t.step("a body that is not JSON is a -32700 parse error", async () => {
      const response = await postMcp(rig, KEYS.ops.token, undefined);
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error.code, -32700);
    });
  });
});

Deno.test("mcp: concurrent sessions are separate and bound to their key", async (t) => {
  await withRig(async (rig) => {
    const [ops, admin] = await Promise.all([
      rig.connect(KEYS.ops.token),
      rig.connect(KEYS.admin.token),
    ]);

    await t.step("each session lists the tools of its own key", async () => {
      assert.equal(rig.endpoint.sessionCount(), 2);
      const [opsTools, adminTools] = await Promise.all([
        ops.client.listTools(),
        admin.client.listTools(),
      ]);
      assert.ok(!opsTools.tools.some((tool) => tool.name === "admin.secret"));
      assert.ok(adminTools.tools.some((tool) => tool.name === "admin.secret"));
    });

    await t.step("calls in both sessions at once all succeed", async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? ops : admin).client.callTool({
            name: "test.echo",
            arguments: { text: `m${i}` },
          })),
      );
      assert.deepEqual(
        results.map((result) => result.structuredContent),
        Array.from({ length: 40 }, (_, i) => ({ text: `m${i}` })),
      );
    });

    await t.step("a session id used with another key is refused with 403", async () => {
      const response = await postMcp(
        rig,
        KEYS.admin.token,
        { jsonrpc: "2.0", id: 9, method: "tools/list" },
        { "mcp-session-id": ops.transport.sessionId! },
      );
      assert.equal(response.status, 403);
      const body = await response.json();
      assert.equal(body.error.code, ERROR_MAP.forbidden.jsonRpc);
      assert.equal(body.error.data.code, "forbidden");
    });

    await t.step("an unknown session id is 404, as the spec asks", async () => {
      const response = await postMcp(
        rig,
        KEYS.ops.token,
        { jsonrpc: "2.0", id: 9, method: "tools/list" },
        { "mcp-session-id": crypto.randomUUID() },
      );
      assert.equal(response.status, 404);
      assert.equal((await response.json()).error.data.code, "not_found");
    });

    await t.step("deleting one session leaves the other working", async () => {
      const sessionId = ops.transport.sessionId!;
      await ops.transport.terminateSession();
      assert.equal(rig.endpoint.sessionCount(), 1);
      const gone = await postMcp(
        rig,
        KEYS.ops.token,
        { jsonrpc: "2.0", id: 9, method: "tools/list" },
        { "mcp-session-id": sessionId },
      );
      assert.equal(gone.status, 404);
      await gone.body?.cancel();
      const result = await admin.client.callTool({ name: "test.add", arguments: { a: 1, b: 1 } });
      assert.equal(text(result), "2");
    });
  });
});

Deno.test("mcp: clients hear tools/list_changed when operations come and go", async () => {
  await withRig(async (rig) => {
    const { client, listening } = await rig.connect(KEYS.ops.token);
    let notified = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      notified += 1;
    });
    await listening;

    const invisible = defineOperation({
      name: "admin.hidden",
      kind: "query",
      description: "An admin-only operation: the ops key is not told about it",
      input: Type.Object({}),
      output: Type.Null(),
      access: { scopes: ["admin"] },
      handler: () => null,
    });
    // Count what the server sends: registry changes reach sessions in a microtask batch, so
    // once a macrotask has run, a notification for the invisible change would have been sent.
    const send = Server.prototype.sendToolListChanged;
    let sent = 0;
    Server.prototype.sendToolListChanged = function (this: Server) {
      sent += 1;
      return send.call(this);
    };
    try {
      rig.registry.register(invisible, { kind: "spoke", id: "spoke-0" });
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(sent, 0, "a change the key cannot see was notified");
    } finally {
      Server.prototype.sendToolListChanged = send;
    }

    const ping = defineOperation({
      name: "spoke.ping",
      kind: "query",
      description: "Served by a spoke that joins later",
      input: Type.Object({}),
      output: Type.Object({ pong: Type.Boolean() }),
      access: { scopes: ["ops"] },
      handler: () => ({ pong: true }),
    });
    const spoke = serveOperations({
      pubsub: rig.pubsub,
      registry: rig.registry,
      location: { kind: "spoke", id: "spoke-1" },
      operations: [ping],
    });
    await waitFor(() => notified >= 1, { what: "the first notification" });
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "spoke.ping"));
    const result = await client.callTool({ name: "spoke.ping", arguments: {} });
    assert.deepEqual(result.structuredContent, { pong: true });

    await spoke.close();
    await waitFor(() => notified >= 2, { what: "the second notification" });
    const after = await client.listTools();
    assert.ok(!after.tools.some((tool) => tool.name === "spoke.ping"));
  });
});

Deno.test("mcp: session limits, idle sessions and shutdown", async (t) => {
  await t.step("initialize beyond maxSessions is refused with 503", async () => {
    await withRig(async (rig) => {
      await rig.connect(KEYS.ops.token);
      await rig.connect(KEYS.ops.token);
      await assert.rejects(rig.connect(KEYS.ops.token), httpError(503));
      assert.equal(rig.endpoint.sessionCount(), 2);
    }, { maxSessions: 2 });
  });

  await t.step("a session with no request for idleTimeoutMs is closed", async () => {
    await withRig(async (rig) => {
      const opened = await postMcp(rig, KEYS.ops.token, initializeRequest());
      assert.equal(opened.status, 200);
      const sessionId = opened.headers.get("mcp-session-id")!;
      await opened.body?.cancel();
      assert.equal(rig.endpoint.sessionCount(), 1);
      await waitFor(() => rig.endpoint.sessionCount() === 0, { what: "the idle session to close" });
      const late = await postMcp(
        rig,
        KEYS.ops.token,
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
      );
      assert.equal(late.status, 404);
      await late.body?.cancel();
    }, { idleTimeoutMs: 100 });
  });

  await t.step(
    "close() answers running calls, ends every session and lets the server stop",
    async () => {
      await withRig(async (rig) => {
        const { client, listening } = await rig.connect(KEYS.ops.token);
        await listening;
        const started = rig.slowStarted();
        const running = client.callTool({ name: "test.slow", arguments: {} })
          .then(() => assert.fail("test.slow returned"), (error: unknown) => error);
        await started;
        await rig.endpoint.close();
        mcpError(ERROR_MAP.unavailable.jsonRpc, /session closed/)(await running);
        assert.equal(rig.endpoint.sessionCount(), 0);
        await assert.rejects(client.listTools(), httpError(503));
        // Open event streams ended with the sessions, so the listener drains at once.
        assert.equal(await rig.listener.close(2_000), true);
      });
    },
  );
});
