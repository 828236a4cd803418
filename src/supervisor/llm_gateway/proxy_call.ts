import { HubError, toHubError } from "@hub/errors";
import type { VerifiedApiKey } from "../../auth/mod.ts";
import type { LlmEndpoint } from "../../actors/llm_proxy/mod.ts";
import { admit } from "./admission.ts";
import { CallRecord } from "./call_record.ts";
import type { LlmGateway } from "./gateway.ts";
import { parseProxyRequest } from "./proxy_request.ts";
import { openAiErrorResponse, ResponseBridge } from "./response_bridge.ts";

/** One `/v1` request as the route hands it over. */
export interface ProxyCallInput {
  /** The request's id in the hub (logs, `x-request-id`); replaced when a client chose it. */
  requestId: string;
  /** The `x-request-id` the client sent, if any: kept apart, never the record's id. */
  clientRequestId?: string;
  key: VerifiedApiKey;
  endpoint: LlmEndpoint;
  body: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/**
 * Proxies one request in four steps — parse the body and resolve its model
 * for the key, admit it under the key's limits, dispatch it to the pool, and
 * bridge the actor's answer to the client (a stream chunk by chunk as it
 * arrives). Every request leaves one usage record, whatever its outcome, and
 * every failure is a HubError answered in OpenAI's shape.
 */
export async function proxyCall(gateway: LlmGateway, call: ProxyCallInput): Promise<Response> {
  // A client's id would let it forge or duplicate billing ids: the hub's own goes into the record.
  const input = call.clientRequestId === undefined
    ? call
    : { ...call, requestId: crypto.randomUUID() };
  const record = new CallRecord(gateway, input);
  const headers: Record<string, string> = { "x-request-id": input.requestId };
  const refuse = (error: HubError, extra: Record<string, string> = {}, limit?: string) => {
    record.failed(error, { limit });
    record.finish(error.mapping.http);
    return openAiErrorResponse(error, { ...headers, ...extra });
  };

  let parsed;
  try {
    parsed = parseProxyRequest({
      endpoint: input.endpoint,
      body: input.body,
      scopes: input.key.scopes,
      catalog: gateway.catalog(),
    });
  } catch (error) {
    return refuse(toHubError(error));
  }
  record.requested(parsed.model, parsed.stream);

  const admission = await admit(gateway.limiter, {
    key: input.key,
    endpoint: input.endpoint,
    body: input.body,
    json: parsed.json,
  });
  if (!admission.admitted) return refuse(admission.error, admission.headers, admission.limit);
  record.lease = admission.lease;

  const bridge = new ResponseBridge({
    record,
    headers: { ...headers, ...admission.headers },
    signal: input.signal,
    bodyLength: input.body.length,
  });
  bridge.start((sink) => {
    const pool = gateway.pool;
    if (!pool) {
      throw new HubError("unavailable", "Cannot proxy request: no llm-proxy actor is running");
    }
    return pool.dispatch({
      endpoint: input.endpoint,
      body: input.body,
      model: parsed.model,
      allowed: parsed.allowed.map((d) => d.id),
      stream: parsed.stream,
      includeUsage: parsed.includeUsage,
    }, sink);
  });
  return await bridge.answer;
}
