/**
 * `createMcpEndpoint`: the `/mcp` route. It keeps one {@linkcode McpSession}
 * per `mcp-session-id`, opens a new one on `initialize`, refuses a session
 * to any key but the one that opened it, caps how many are open, and tells
 * every session when the operations change.
 *
 * @module
 */
import type { Context } from "hono";
// @ts-types="@modelcontextprotocol/sdk/types"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import {
  type Caller,
  type OperationLog,
  type OperationRegistry,
  type RegistryChange,
} from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { logger } from "../../../logging/mod.ts";
import type { HubEnv } from "../app.ts";
import { KeyLeases } from "../../keys/key_leases.ts";
import { onKeyExpiry } from "../../keys/key_expiry.ts";
import { INVALID_REQUEST, PARSE_ERROR, sendJsonRpcError } from "./_jsonrpc_error.ts";
import { McpSession } from "./session.ts";
import type { McpServerInfo } from "./tool_server.ts";

/** The most JSON-RPC messages one POST may batch (MCP 2025-06-18 has no batches at all). */
export const MAX_MCP_BATCH = 16;

/** Options of {@linkcode createMcpEndpoint}. */
export interface McpEndpointOptions {
  registry: OperationRegistry;
  caller: Caller;
  serverInfo: McpServerInfo;
  /** Sessions open at once; `initialize` beyond it gets 503 `unavailable`. Default 1000. */
  maxSessions?: number;
  /** A session with no request for this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Deadline of each tool call; default: the caller's. */
  callTimeoutMs?: number;
  /** Per-key caps (`mcpSessions` applies here); default: the default caps. */
  leases?: KeyLeases;
  log?: OperationLog;
}

/** The mounted endpoint: `app.all("/mcp", (c) => mcp.handle(c))` after the bearer middleware. */
export interface McpEndpoint {
  handle(c: Context<HubEnv>): Promise<Response>;
  /** Closes every session of one API key (when it is revoked). */
  closeKeySessions(keyId: string): Promise<void>;
  /**
   * Stops serving (new requests get `unavailable`), lets running calls finish
   * for up to `graceMs` (default 0), then closes every session: open event
   * streams end, so shutdown cannot hang.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  sessionCount(): number;
}

function hasInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
}

/** Creates the `/mcp` endpoint over the operations registry and the call protocol. */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const maxSessions = options.maxSessions ?? 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
  if (!(maxSessions >= 1)) throw new RangeError(`Invalid maxSessions ${maxSessions}: must be >= 1`);
  if (!(idleTimeoutMs > 0)) {
    throw new RangeError(`Invalid idleTimeoutMs ${idleTimeoutMs}: must be > 0`);
  }
  const log = options.log ?? logger("mcp");
  const leases = options.leases ?? new KeyLeases();
  const sessions = new Map<string, McpSession>();
  let closed = false;

  // One notification per burst: a spoke registers its operations one by one, synchronously.
  let pending: RegistryChange[] = [];
  const stopWatching = options.registry.onChange((changes) => {
    if (pending.length === 0) {
      queueMicrotask(() => {
        const batch = pending;
        pending = [];
        for (const session of sessions.values()) session.notifyToolsChanged(batch);
      });
    }
    pending.push(...changes);
  });

  /** The POST body, or the refusal of one that is not JSON or is too large a batch. */
  async function readMessages(c: Context<HubEnv>): Promise<unknown> {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return sendJsonRpcError(
        c,
        new HubError("bad_request", "Cannot parse MCP request: body is not JSON"),
        PARSE_ERROR,
      );
    }
    // The transport answers a batch in time quadratic in its size, on the main thread.
    if (Array.isArray(body) && body.length > MAX_MCP_BATCH) {
      return sendJsonRpcError(
        c,
        new HubError(
          "bad_request",
          `Cannot handle MCP request: a batch of ${body.length} messages is over the limit of ${MAX_MCP_BATCH}`,
        ),
        INVALID_REQUEST,
      );
    }
    // The SDK would answer these -32603 with its schema library's raw dump.
    const bad = badToolArguments(body);
    if (bad !== undefined) {
      const error = new HubError(
        "bad_request",
        "Invalid params: tools/call arguments must be a JSON object",
      );
      if (Array.isArray(body)) return sendJsonRpcError(c, error);
      return c.json({
        jsonrpc: "2.0",
        id: bad,
        error: {
          code: error.mapping.jsonRpc,
          message: error.message,
          data: { code: error.code, requestId: c.get("requestId") },
        },
      });
    }
    return body;
  }

  async function open(c: Context<HubEnv>): Promise<Response> {
    const body = await readMessages(c);
    if (body instanceof Response) return body;
    if (!hasInitialize(body)) {
      return sendJsonRpcError(
        c,
        new HubError("bad_request", "Cannot handle MCP request: Mcp-Session-Id header is required"),
      );
    }
    // Checked and reserved in the same synchronous step, so a burst cannot overshoot.
    if (sessions.size >= maxSessions) {
      return sendJsonRpcError(
        c,
        new HubError("unavailable", `Cannot open MCP session: ${maxSessions} sessions are open`),
      );
    }
    const apiKey = c.var.apiKey;
    let release;
    try {
      release = leases.acquire(apiKey.id, "mcpSessions");
    } catch (error) {
      return sendJsonRpcError(c, error as HubError);
    }
    const session = new McpSession({
      registry: options.registry,
      caller: options.caller,
      serverInfo: options.serverInfo,
      callTimeoutMs: options.callTimeoutMs,
      identity: { keyId: apiKey.id, scopes: apiKey.scopes, via: "mcp" },
      keyId: apiKey.id,
      idleTimeoutMs,
      log,
      onClosed: (done) => {
        sessions.delete(done.id);
        release();
        cancelExpiry();
      },
    });
    sessions.set(session.id, session);
    // An open GET stream keeps a session alive past its idle timeout, but never past its key.
    const cancelExpiry = onKeyExpiry(apiKey.expiresAt, () => {
      log.info("Closing MCP session {id}: its API key expired", { id: session.id });
      session.close().catch(() => {});
    });
    try {
      await session.connect();
      const response = await session.handle(c, body);
      // Refused by the transport (Accept, Content-Type, batch): no session was issued.
      if (!session.initialized) await session.close();
      else log.debug("Opened MCP session for key {keyId}", { keyId: apiKey.id });
      return response;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  return {
    handle(c) {
      if (closed) {
        return Promise.resolve(
          sendJsonRpcError(c, new HubError("unavailable", "MCP endpoint is shutting down")),
        );
      }
      if (!c.var.apiKey) {
        throw new TypeError("Cannot serve /mcp: mount it after the bearer middleware");
      }
      const sessionId = c.req.header("mcp-session-id");
      if (sessionId === undefined) {
        if (c.req.method === "POST") return open(c);
        return Promise.resolve(sendJsonRpcError(
          c,
          new HubError(
            "bad_request",
            "Cannot handle MCP request: Mcp-Session-Id header is required",
          ),
        ));
      }
      const session = sessions.get(sessionId);
      // The spec's answer to an unknown or expired session: 404, and the client starts over.
      if (!session) {
        return Promise.resolve(
          sendJsonRpcError(c, new HubError("not_found", "Cannot find MCP session: it has ended")),
        );
      }
      if (session.keyId !== c.var.apiKey.id) {
        return Promise.resolve(sendJsonRpcError(
          c,
          new HubError("forbidden", "Cannot use MCP session: it belongs to another API key"),
        ));
      }
      if (c.req.method !== "POST") return session.handle(c);
      return readMessages(c).then((body) =>
        body instanceof Response ? body : session.handle(c, body)
      );
    },
    async closeKeySessions(keyId) {
      const ofKey = [...sessions.values()].filter((session) => session.keyId === keyId);
      await Promise.all(ofKey.map((session) => session.close()));
    },
    async close({ graceMs = 0 } = {}) {
      closed = true;
      stopWatching();
      if (graceMs > 0 && sessions.size > 0) {
        // A call a spoke is finishing should be answered, not cut at the last moment.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
        const running = Promise.all([...sessions.values()].map((session) => session.idle()));
        await Promise.race([running, deadline]);
        clearTimeout(timer);
      }
      await Promise.all([...sessions.values()].map((session) => session.close()));
    },
    sessionCount: () => sessions.size,
  };
}

/** The id of the first `tools/call` whose `arguments` is present but not an object. */
function badToolArguments(body: unknown): string | number | null | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== "object" || message === null) continue;
    const { method, params, id } = message as { method?: unknown; params?: unknown; id?: unknown };
    if (method !== "tools/call" || typeof params !== "object" || params === null) continue;
    const args = (params as { arguments?: unknown }).arguments;
    if (args === undefined || (typeof args === "object" && args !== null && !Array.isArray(args))) {
      continue;
    }
    return typeof id === "string" || typeof id === "number" ? id : null;
  }
  return undefined;
}
