/**
 * How operations look as MCP tools, and how call outcomes and hub errors look
 * as MCP results and JSON-RPC errors.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/types"
import { type CallToolResult, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { OperationSpec } from "@alkdev/operations";
import type { HubError } from "@hub/errors";

/** What MCP allows in a tool name; every dotted operation name fits. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** The argument that carries the input of an operation whose input is not an object. */
export const WRAPPED_INPUT = "input";

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// MCP tool arguments are always an object; a tool list whose inputSchema is not one fails
// to parse in the client as a whole, so other inputs travel as `{ input: <value> }`.
function isObjectSchema(schema: unknown): boolean {
  return isPlainObject(schema) && schema.type === "object";
}

/** The MCP tool of an operation: its name, description and input JSON Schema as they are. */
export function toMcpTool(spec: OperationSpec): Tool {
  const inputSchema = isObjectSchema(spec.input) ? spec.input as Tool["inputSchema"] : {
    type: "object" as const,
    properties: { [WRAPPED_INPUT]: spec.input as JsonObject },
    required: [WRAPPED_INPUT],
  };
  const tool: Tool = {
    name: spec.name,
    description: spec.description,
    inputSchema,
    annotations: { readOnlyHint: spec.kind === "query" },
  };
  // The caller validates every output, so structuredContent always matches this schema.
  if (isObjectSchema(spec.output)) tool.outputSchema = spec.output as Tool["outputSchema"];
  return tool;
}

/** The operation input carried by a tool call's `arguments` (absent means `{}`). */
export function toolInput(spec: OperationSpec, args: JsonObject | undefined): unknown {
  if (isObjectSchema(spec.input)) return args ?? {};
  return args?.[WRAPPED_INPUT];
}

/**
 * A successful call: the output as JSON text, and as `structuredContent` when
 * an object. `_meta.requestId` is the call's id (`GET /api/v1/calls/<id>`).
 */
export function toolResult(output: unknown, requestId: string): CallToolResult {
  const result: CallToolResult = {
    content: [{ type: "text", text: JSON.stringify(output) ?? "null" }],
    _meta: { requestId },
  };
  if (isPlainObject(output)) result.structuredContent = output;
  return result;
}

/**
 * A call that ran and failed: what MCP wants for tool execution errors, so the
 * model sees it. The body is the hub's error body, `requestId` the call's id.
 */
export function toolErrorResult(error: HubError, requestId: string): CallToolResult {
  const body = {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
  // No structuredContent: a client checks it against the tool's output schema even on errors.
  return {
    content: [{ type: "text", text: JSON.stringify(body) }],
    isError: true,
    _meta: { requestId },
  };
}

/**
 * The JSON-RPC error of a hub error: the code from `ERROR_MAP`, the message,
 * code and details as data — and the call's id when a call was made.
 */
export function toMcpError(error: HubError, requestId?: string): McpError {
  const data = {
    code: error.code,
    ...(requestId === undefined ? {} : { requestId }),
    ...(error.details === undefined ? {} : { details: error.details }),
  };
  const mcpError = new McpError(error.mapping.jsonRpc, error.message, data);
  // McpError prefixes "MCP error <code>: "; the client adds it again, so send the bare message.
  mcpError.message = error.message;
  return mcpError;
}
