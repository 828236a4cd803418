/**
 * The SDK `Server` of one MCP session: `tools/list` and `tools/call` over the
 * operations registry and the call protocol, for the identity of the key that
 * opened the session. The low-level `Server` is used on purpose: operation
 * schemas are JSON Schema already, not zod.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/server/index"
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import {
  assertValid,
  type Caller,
  checkAccess,
  type Identity,
  type OperationLog,
  type OperationRegistry,
} from "@alkdev/operations";
import { HubError, toHubError } from "@hub/errors";
import {
  toMcpError,
  toMcpTool,
  TOOL_NAME_PATTERN,
  toolErrorResult,
  toolInput,
  toolResult,
} from "./tools.ts";

/** Name and version the server reports in `initialize`. */
export interface McpServerInfo {
  name: string;
  version: string;
}

/** Options of {@linkcode createToolServer}. */
export interface ToolServerOptions {
  registry: OperationRegistry;
  caller: Caller;
  serverInfo: McpServerInfo;
  identity: Identity;
  /** Aborted when the session closes: calls still running end with `unavailable`. */
  signal: AbortSignal;
  /** Deadline of each tool call; default: the caller's. */
  callTimeoutMs?: number;
  /** Told about every tool call, with the promise of its outcome (for idle tracking and drains). */
  onCall(done: Promise<unknown>): void;
  log: OperationLog;
}

/** Checks a call the way the call protocol would, so its refusals become JSON-RPC errors. */
function admit(
  options: ToolServerOptions,
  name: string,
  args: Record<string, unknown> | undefined,
) {
  const entry = TOOL_NAME_PATTERN.test(name) ? options.registry.get(name) : undefined;
  if (!entry) throw new HubError("not_found", `Cannot call tool "${name}": no such tool`);
  checkAccess(options.identity, entry.spec.access, { operation: name });
  const input = toolInput(entry.spec, args);
  assertValid(entry.validators.input, input, { what: `input of "${name}"` });
  return input;
}

async function callTool(
  options: ToolServerOptions,
  name: string,
  args: Record<string, unknown> | undefined,
  signal: AbortSignal,
): Promise<CallToolResult> {
  let input: unknown;
  try {
    input = admit(options, name, args);
  } catch (error) {
    throw toMcpError(toHubError(error));
  }
  // Every answer names the call, so a client can find it at GET /api/v1/calls/<id>.
  const requestId = crypto.randomUUID();
  try {
    const output = await options.caller.call(name, input, {
      identity: options.identity,
      requestId,
      signal: AbortSignal.any([signal, options.signal]),
      ...(options.callTimeoutMs === undefined ? {} : { timeoutMs: options.callTimeoutMs }),
    });
    return toolResult(output, requestId);
  } catch (error) {
    if (options.signal.aborted) {
      throw toMcpError(
        new HubError("unavailable", `Call of tool "${name}" ended: session closed`),
        requestId,
      );
    }
    // The operation ran (or was dispatched) and failed: MCP wants that as a tool result.
    return toolErrorResult(toHubError(error), requestId);
  }
}

/** An SDK server with the tools `identity` may call; connect it to the session's transport. */
export function createToolServer(options: ToolServerOptions): Server {
  const { registry, identity, log } = options;
  const server = new Server(options.serverInfo, {
    capabilities: { tools: { listChanged: true } },
  });
  server.onerror = (error) =>
    log.debug("MCP protocol error: {message}", { message: error.message });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: registry.list(identity)
      .filter((entry) => TOOL_NAME_PATTERN.test(entry.spec.name))
      .map((entry) => toMcpTool(entry.spec)),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const done = callTool(options, request.params.name, request.params.arguments, extra.signal);
    options.onCall(done);
    return done;
  });
  return server;
}
