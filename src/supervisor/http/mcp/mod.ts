/**
 * The hub's MCP endpoint (`/mcp`, Streamable HTTP): the tools are the
 * operations the caller's API key may call, each tool call runs through the
 * call protocol (access, validation, call graph), sessions are bound to the
 * key that opened them, and clients hear `notifications/tools/list_changed`
 * when operations come and go.
 *
 * ```ts ignore
 * import { createMcpEndpoint } from "./mod.ts";
 *
 * const mcp = createMcpEndpoint({ registry, caller, serverInfo: { name: "alk hub", version } });
 * app.all("/mcp", (c) => mcp.handle(c)); // after the bearer middleware: it reads c.var.apiKey
 * // on shutdown, before the listener drains:
 * await mcp.close();
 * ```
 *
 * @module
 */
export { createMcpEndpoint, type McpEndpoint, type McpEndpointOptions } from "./endpoint.ts";
export type { McpServerInfo } from "./tool_server.ts";
export { toMcpTool, TOOL_NAME_PATTERN } from "./tools.ts";
