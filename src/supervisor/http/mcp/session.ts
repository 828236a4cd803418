/**
 * One MCP session: a stateful Streamable HTTP transport and its SDK server,
 * bound to the API key that initialized it, closed when idle, deleted by the
 * client, or shut down with the hub.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { StreamableHTTPTransport } from "@hono/mcp";
// @ts-types="@modelcontextprotocol/sdk/server/index"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { hasAccess, type RegistryChange } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { createToolServer, type ToolServerOptions } from "./tool_server.ts";

/** Options of an {@linkcode McpSession}. */
export interface McpSessionOptions extends Omit<ToolServerOptions, "signal" | "onCall"> {
  /** The API key the session belongs to; no other key may use it. */
  keyId: string;
  /** Closed after this long without a request, unless the client holds its event stream open. */
  idleTimeoutMs: number;
  /** Called once, when the session has closed for any reason. */
  onClosed(session: McpSession): void;
}

/** A connected MCP session. */
export class McpSession {
  readonly id: string = crypto.randomUUID();
  readonly keyId: string;
  readonly #options: McpSessionOptions;
  readonly #controller = new AbortController();
  readonly #transport: StreamableHTTPTransport;
  readonly #server: Server;
  readonly #calls = new Set<Promise<unknown>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #listening = false;
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(options: McpSessionOptions) {
    this.#options = options;
    this.keyId = options.keyId;
    this.#transport = new StreamableHTTPTransport({
      sessionIdGenerator: () => this.id,
      // DELETE: answer what is running, then the transport closes itself.
      onsessionclosed: () => this.#drain(),
      onsessiondisconnected: () => {
        this.#listening = false;
        this.touch();
      },
    });
    this.#server = createToolServer({
      ...options,
      signal: this.#controller.signal,
      onCall: (done) => {
        this.#calls.add(done);
        done.finally(() => {
          this.#calls.delete(done);
          this.touch();
        }).catch(() => {});
      },
    });
    this.#server.onclose = () => this.#finish();
    this.touch();
  }

  /** Connects the server to the transport; call once before {@linkcode handle}. */
  async connect(): Promise<void> {
    await this.#server.connect(this.#transport);
  }

  /** True once the transport accepted `initialize` and issued this session's id. */
  get initialized(): boolean {
    return this.#transport.sessionId === this.id;
  }

  /** Serves one HTTP request of this session (`parsedBody`: a body already read). */
  async handle(c: Context, parsedBody?: unknown): Promise<Response> {
    this.touch();
    let response: Response | undefined;
    try {
      response = await this.#transport.handleRequest(c, parsedBody);
    } catch (error) {
      // The transport refuses with HTTPExceptions that carry JSON-RPC error bodies.
      if (!(error instanceof HTTPException)) throw error;
      const refused = error.getResponse();
      return c.newResponse(refused.body, refused);
    }
    if (!response) throw new HubError("internal", "MCP transport gave no response");
    if (c.req.method === "GET" && response.ok) {
      // An open event stream is a live client, not an idle one.
      this.#listening = true;
      clearTimeout(this.#timer);
    }
    return response;
  }

  /** Resolves once no call of this session is running (new ones may start after). */
  async idle(): Promise<void> {
    while (this.#calls.size > 0) await Promise.allSettled([...this.#calls]);
  }

  /** Restarts the idle timer. */
  touch(): void {
    clearTimeout(this.#timer);
    if (this.#closed || this.#listening || this.#calls.size > 0) return;
    this.#timer = setTimeout(() => {
      this.close().catch((error) =>
        this.#options.log.debug("Cannot close idle MCP session: {message}", {
          message: String(error),
        })
      );
    }, this.#options.idleTimeoutMs);
  }

  /** Tells the client its tool list changed, if the change is one this key can see. */
  notifyToolsChanged(changes: readonly RegistryChange[]): void {
    if (!this.initialized || this.#closed) return;
    const { registry, identity } = this.#options;
    const visible = changes.some((change) => {
      if (change.type === "removed") return true;
      const entry = registry.get(change.name);
      return entry !== undefined && hasAccess(identity, entry.spec.access);
    });
    if (!visible) return;
    this.#server.sendToolListChanged().catch((error: Error) =>
      this.#options.log.debug("Cannot notify MCP session {id}: {message}", {
        id: this.id,
        message: error.message,
      })
    );
  }

  /** Ends the session: running calls are answered `unavailable`, then its streams close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#drain();
    await this.#server.close();
    this.#finish();
  }

  // Aborting first lets each running call answer on its own stream before the stream is cut,
  // so a client is not left waiting for a response that can no longer come.
  #drain(): Promise<void> {
    this.#draining ??= (async () => {
      this.#controller.abort(new HubError("unavailable", "MCP session closed"));
      await Promise.allSettled([...this.#calls]);
      // The SDK sends each answer in a later task than the handler's settlement.
      await new Promise((resolve) => setTimeout(resolve, 0));
    })();
    return this.#draining;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#controller.abort(new HubError("unavailable", "MCP session closed"));
    this.#options.onClosed(this);
  }
}
