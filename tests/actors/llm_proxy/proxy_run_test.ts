/**
 * The llm-proxy actor's fallback loop in-process, with an injected fetch:
 * how each failure crosses the data port as a HubError.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createLlmProxy,
  type FromActor,
  type ProxyFailure,
} from "../../../src/actors/llm_proxy/mod.ts";

const request = (model: string) => ({
  t: "req" as const,
  id: 1,
  endpoint: "chat" as const,
  body: JSON.stringify({ model, messages: [] }),
  model,
  allowed: ["a/m", "b/m"],
  stream: false,
  includeUsage: false,
});

/** Runs one request against upstreams answered by `fetch`; resolves with the last message. */
async function proxyOnce(
  fetch: (request: Request) => Promise<Response>,
  options: { timeoutMs?: number; abort?: boolean } = {},
): Promise<{ last: FromActor; urls: string[] }> {
  const done = Promise.withResolvers<FromActor>();
  const urls: string[] = [];
  const proxy = createLlmProxy({
    options: { timeoutMs: options.timeoutMs ?? 60_000, cooldownMs: 1000 },
    post(message) {
      if (message.t === "res" || message.t === "fail" || message.t === "end") done.resolve(message);
    },
    fetch: (input) => {
      const req = input as Request;
      urls.push(req.url);
      return fetch(req);
    },
  });
  proxy.configure({
    providers: [
      { name: "a", baseURL: "http://a/v1", models: ["m"] },
      { name: "b", baseURL: "http://b/v1", models: ["m"] },
    ],
    aliases: {},
  });
  proxy.handle(request("m"));
  if (options.abort) proxy.handle({ t: "abort", id: 1 });
  return { last: await done.promise, urls };
}

/** Resolves when `signal` aborts, rejecting as fetch does. */
const hang = (request: Request) =>
  new Promise<Response>((_, reject) =>
    request.signal.addEventListener("abort", () => reject(request.signal.reason))
  );

Deno.test("ProxyRun: an empty upstream 404 becomes a not_found HubError, not an empty answer", async () => {
  const { last, urls } = await proxyOnce(() =>
    Promise.resolve(new Response(null, { status: 404 }))
  );
  assert.equal(last.t, "fail");
  const { error, summary } = last as ProxyFailure;
  assert.equal(error.code, "not_found");
  assert.match(error.message, /^Upstream "[ab]\/m" answered HTTP 404 without an error body$/);
  assert.equal(summary.errorCode, "not_found");
  assert.equal(urls.length, 1, "a 4xx is not retried on the next deployment");
});

Deno.test("ProxyRun: an upstream 4xx with a JSON body passes through as the upstream's answer", async () => {
  const body = { error: { message: "bad", type: "invalid_request_error", code: "bad_thing" } };
  const { last } = await proxyOnce(() => Promise.resolve(Response.json(body, { status: 422 })));
  assert.equal(last.t, "res");
  if (last.t !== "res") return;
  assert.equal(last.status, 422);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(last.body)), body);
  assert.equal(last.summary.errorCode, "bad_thing");
});

Deno.test("ProxyRun: every deployment failing reports the last failure with its reason", async () => {
  const { last, urls } = await proxyOnce(hang, { timeoutMs: 20 });
  assert.equal(urls.length, 2, "both deployments were tried");
  assert.equal(last.t, "fail");
  const { error, summary } = last as ProxyFailure;
  assert.equal(error.code, "timeout");
  assert.deepEqual(error.details, { reason: "upstream_timeout" });
  assert.deepEqual([summary.attempts, summary.errorCode], [2, "upstream_timeout"]);

  const refused = await proxyOnce(() => Promise.resolve(new Response("no", { status: 503 })));
  assert.equal((refused.last as ProxyFailure).error.code, "upstream_error");
  assert.equal((refused.last as ProxyFailure).summary.errorCode, "upstream_error");
});

Deno.test("ProxyRun: a client that leaves is recorded as aborted, client_closed", async () => {
  const { last } = await proxyOnce(hang, { abort: true });
  assert.equal(last.t, "fail");
  const { error, summary } = last as ProxyFailure;
  assert.deepEqual([error.code, error.details?.reason], ["aborted", "client_closed"]);
  assert.equal(summary.errorCode, "client_closed");
});
