/**
 * The llm-proxy actor's wire: a control API over comlink (attach the data
 * port, replace the catalog) and the data plane, one MessagePort per actor,
 * that carries every request and its response. Requests, chunks and the end
 * of a stream travel on one port so they arrive in order; chunks are bytes,
 * passed through without re-encoding.
 *
 * @module
 */
import type { SerializedError } from "@hub/errors";
import type { CatalogData } from "../../llm_catalog/mod.ts";

/** Which upstream endpoint a request is for. */
export type LlmEndpoint = "chat" | "embeddings";

/** Supervisor → actor: proxy one request. */
export interface ProxyRequest {
  t: "req";
  id: number;
  endpoint: LlmEndpoint;
  /** The client's JSON body, as sent. */
  body: string;
  /** The name the client asked for (already checked to resolve and to be allowed). */
  model: string;
  /** Deployment ids the key may use, in catalog order. */
  allowed: string[];
  stream: boolean;
  /** The client asked for the usage chunk itself (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/** Supervisor → actor: the client went away; abort the upstream request. */
export interface ProxyAbort {
  t: "abort";
  id: number;
}

/** Everything the supervisor sends on the data port. */
export type ToActor = ProxyRequest | ProxyAbort;

/** How one request went, for usage records and settling token limits. */
export interface ProxySummary {
  provider: string | null;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  /** Usage counted from what was seen: the upstream did not report it. */
  estimated: boolean;
  /** The OpenAI `code` the client saw (or the upstream's error code); null on success. */
  errorCode: string | null;
  /** Milliseconds from the request reaching the actor to the first byte for the client. */
  ttfcMs: number | null;
  attempts: number;
}

/** The summary of a request that reached no upstream yet; `fields` override the zeros. */
export function emptySummary(fields: Partial<ProxySummary> = {}): ProxySummary {
  return {
    provider: null,
    model: null,
    inputTokens: 0,
    outputTokens: 0,
    estimated: false,
    errorCode: null,
    ttfcMs: null,
    attempts: 0,
    ...fields,
  };
}

/** Actor → supervisor: the upstream's whole response (non-streaming, or its error with a JSON body). */
export interface ProxyResponse {
  t: "res";
  id: number;
  status: number;
  body: Uint8Array<ArrayBuffer>;
  summary: ProxySummary;
}

/**
 * Actor → supervisor: the request failed before any byte reached the client
 * (no deployment, every upstream failed, the client left, a fault); the
 * supervisor answers it in OpenAI's shape (`toOpenAiError`).
 */
export interface ProxyFailure {
  t: "fail";
  id: number;
  /** A HubError, serialized (`details.reason` keeps the specific cause). */
  error: SerializedError;
  /** Extra response headers (e.g. `retry-after` of an upstream 429). */
  headers?: Record<string, string>;
  summary: ProxySummary;
}

/** Actor → supervisor: a stream starts, with its first bytes (empty if the upstream sent none). */
export interface ProxyHead {
  t: "head";
  id: number;
  data: Uint8Array<ArrayBuffer>;
}

/** Actor → supervisor: SSE bytes for the client, whole events only. */
export interface ProxyChunk {
  t: "chunk";
  id: number;
  data: Uint8Array<ArrayBuffer>;
}

/** Actor → supervisor: the stream ended (cleanly, by an error payload, or aborted). */
export interface ProxyEnd {
  t: "end";
  id: number;
  summary: ProxySummary;
}

/** Everything the actor sends on the data port. */
export type FromActor = ProxyResponse | ProxyFailure | ProxyHead | ProxyChunk | ProxyEnd;

/** Options the pool gives each actor. */
export interface LlmProxyOptions {
  timeoutMs: number;
  cooldownMs: number;
}

/** The actor's control API (comlink). */
export interface LlmProxyApi {
  /** Takes the data port; requests arrive on it from now on. */
  attach(port: MessagePort): void;
  /** Replaces the catalog (providers changed); requests in flight keep their deployments. */
  configure(catalog: CatalogData): void;
  /** Requests in flight and deployments cooling down. */
  stats(): { inFlight: number; coolingDown: string[] };
}
