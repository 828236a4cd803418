import { type Catalog, type Deployment, llmError, modelNotFound } from "../../llm_catalog/mod.ts";
import type { LlmEndpoint } from "../../actors/llm_proxy/mod.ts";

/** A `/v1` request body that is valid, and the deployments its key may use for it. */
export interface ProxyRequestBody {
  /** The parsed body (the raw one travels to the actor unchanged). */
  json: Record<string, unknown>;
  model: string;
  /** Deployments serving `model` that the key may use; never empty. */
  allowed: Deployment[];
  stream: boolean;
  /** The client asked for the usage chunk itself. */
  includeUsage: boolean;
}

/** What {@linkcode parseProxyRequest} reads. */
export interface ParseProxyRequestInput {
  endpoint: LlmEndpoint;
  body: string;
  scopes: readonly string[];
  catalog: Catalog;
}

/**
 * Checks a `/v1` body and resolves its model for the key; throws a HubError
 * (`bad_request`, or `not_found` for a model the key may not use) whose
 * `reason` is the code OpenAI clients see (`invalid_json`, `missing_model`…).
 */
export function parseProxyRequest(input: ParseProxyRequestInput): ProxyRequestBody {
  const { endpoint } = input;
  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch (error) {
    throw llmError("bad_request", `Cannot parse request body: ${(error as Error).message}`, {
      reason: "invalid_json",
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw llmError("bad_request", "Request body must be a JSON object", {
      reason: "invalid_request",
    });
  }
  const body = json as Record<string, unknown>;
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw llmError("bad_request", "You must provide a model parameter.", {
      reason: "missing_model",
      param: "model",
    });
  }
  if (endpoint === "chat" && !Array.isArray(body.messages)) {
    throw llmError("bad_request", "`messages` must be an array.", {
      reason: "invalid_messages",
      param: "messages",
    });
  }
  if (endpoint === "embeddings" && body.input === undefined) {
    throw llmError("bad_request", "You must provide an input parameter.", {
      reason: "missing_input",
      param: "input",
    });
  }
  const resolved = input.catalog.resolve(model);
  const allowed = resolved ? input.catalog.allowed(resolved, input.scopes) : [];
  if (allowed.length === 0) throw modelNotFound(model);
  const stream = endpoint === "chat" && body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    json: body,
    model,
    allowed,
    stream,
    includeUsage: stream && streamOptions?.include_usage === true,
  };
}
