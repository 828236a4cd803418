/**
 * The OpenAPI paths of the OpenAI-compatible gateway (`/v1`, errors in
 * OpenAI's shape) and of the two non-REST endpoints, `/mcp` and `/ws`, so a
 * generated client sees every route the hub serves.
 *
 * @module
 */
import { json, operation, param, type PathItem, type Schema } from "./_builders.ts";

const MODEL: Schema = {
  type: "object",
  required: ["id", "object", "created", "owned_by"],
  properties: {
    id: { type: "string" },
    object: { type: "string", const: "model" },
    created: { type: "integer" },
    owned_by: { type: "string" },
  },
};

// The hub forwards these bodies to the provider as they are; only what it reads is described.
const CHAT_REQUEST: Schema = {
  type: "object",
  required: ["model", "messages"],
  properties: {
    model: { type: "string", description: "A model, provider/model id or alias" },
    messages: { type: "array", items: { type: "object" } },
    stream: { type: "boolean" },
  },
};
const EMBEDDINGS_REQUEST: Schema = {
  type: "object",
  required: ["model", "input"],
  properties: { model: { type: "string" }, input: {} },
};

const LLM = "llm (or llm:<provider>[:<model>])";

/** `/v1/*`: chat completions, embeddings, models. */
export function gatewayPaths(): Record<string, PathItem> {
  return {
    "/v1/chat/completions": {
      post: operation({
        id: "createChatCompletion",
        summary: "OpenAI-compatible chat completion, streaming (SSE) or not",
        scopes: LLM,
        tags: ["openai"],
        body: CHAT_REQUEST,
        errors: "openai",
        responses: {
          200: {
            description: "A chat completion, or with stream: true a stream of chunks",
            content: {
              "application/json": { schema: { type: "object" } },
              "text/event-stream": { schema: { type: "string" } },
            },
          },
        },
      }),
    },
    "/v1/embeddings": {
      post: operation({
        id: "createEmbedding",
        summary: "OpenAI-compatible embeddings",
        scopes: LLM,
        tags: ["openai"],
        body: EMBEDDINGS_REQUEST,
        errors: "openai",
        responses: { 200: json({ type: "object" }, "The embeddings") },
      }),
    },
    "/v1/models": {
      get: operation({
        id: "listModels",
        summary: "The models this key may use",
        scopes: LLM,
        tags: ["openai"],
        errors: "openai",
        responses: {
          200: json({
            type: "object",
            required: ["object", "data"],
            properties: {
              object: { type: "string", const: "list" },
              data: { type: "array", items: MODEL },
            },
          }, "The models"),
        },
      }),
    },
    "/v1/models/{model}": {
      get: operation({
        id: "retrieveModel",
        summary: "One model this key may use (the id may contain /)",
        scopes: LLM,
        tags: ["openai"],
        parameters: [param("model", "path", { type: "string" })],
        errors: "openai",
        responses: { 200: json(MODEL, "The model") },
      }),
    },
  };
}

// Absent only on `initialize`; every later request of the session carries it.
const MCP_SESSION: Schema = {
  name: "Mcp-Session-Id",
  in: "header",
  required: false,
  schema: { type: "string" },
};

/** `/mcp` (MCP Streamable HTTP, JSON-RPC) and `/ws` (the spoke WebSocket). */
export function protocolPaths(): Record<string, PathItem> {
  const mcp = (id: string, summary: string, responses: Record<number, Schema>) =>
    operation({
      id,
      summary,
      scopes: "any key",
      tags: ["mcp"],
      parameters: [MCP_SESSION],
      responses,
    });
  return {
    "/mcp": {
      post: {
        ...mcp(
          "postMcp",
          "A JSON-RPC message of MCP Streamable HTTP (initialize opens a session)",
          {
            200: {
              description: "The JSON-RPC answer, as JSON or as an SSE stream",
              content: {
                "application/json": { schema: { type: "object" } },
                "text/event-stream": { schema: { type: "string" } },
              },
            },
            202: { description: "A notification or response was accepted" },
          },
        ),
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object" } } },
        },
      },
      get: mcp("streamMcp", "The session's server-to-client event stream", {
        200: {
          description: "SSE stream of notifications",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
      }),
      delete: mcp("deleteMcpSession", "Ends the session", {
        200: { description: "The session has ended" },
      }),
    },
    "/ws": {
      get: operation({
        id: "connectSpoke",
        summary:
          "WebSocket upgrade for spokes (docs/protocol.md); the key may come in the first frame",
        scopes: "spoke (events to only subscribe)",
        tags: ["spokes"],
        responses: { 101: { description: "Switching protocols" } },
      }),
    },
  };
}
