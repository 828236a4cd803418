import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HubError } from "@hub/errors";

/** JSON-RPC's own code for a body that is not JSON; the hub table has no such code. */
export const PARSE_ERROR = -32700;

/** JSON-RPC's own code for a request that is not a valid one (here: too large a batch). */
export const INVALID_REQUEST = -32600;

/**
 * An `/mcp` refusal in the JSON-RPC shape MCP clients read, with the hub
 * error code and request id as `data` so it can be matched with the logs.
 */
export function sendJsonRpcError(c: Context, error: HubError, jsonRpcCode?: number): Response {
  const body = {
    jsonrpc: "2.0",
    error: {
      code: jsonRpcCode ?? error.mapping.jsonRpc,
      message: error.message,
      data: { code: error.code, requestId: c.get("requestId") as string | undefined },
    },
    id: null,
  };
  return c.json(body, error.mapping.http as ContentfulStatusCode);
}
