import assert from "node:assert/strict";
import {
  Balancer,
  createLlmProxy,
  emptySummary,
  type FromActor,
  SseFilter,
} from "../../../src/actors/llm_proxy/mod.ts";
import { applyUsage } from "../../../src/actors/llm_proxy/upstream.ts";
import type { Deployment } from "../../../src/llm_catalog/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => bytes === null ? "" : decoder.decode(bytes);

const chunk = (content: string) =>
  `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}],"usage":null}\n\n`;
const usage = 'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\n\n';

Deno.test("SseFilter passes whole events through as the same bytes", () => {
  const filter = new SseFilter(true);
  const bytes = encoder.encode(chunk("a") + chunk("b"));
  assert.equal(filter.push(bytes), bytes);
  assert.equal(filter.chunks, 2);
});

Deno.test("SseFilter forwards only whole events when the upstream splits them", () => {
  const filter = new SseFilter(true);
  const all = chunk("hello") + chunk("world") + "data: [DONE]\n\n";
  const out = [7, 40, 41, 90].reduce<{ at: number; text: string }>((acc, end) => {
    const forwarded = text(filter.push(encoder.encode(all.slice(acc.at, end))));
    assert.ok(forwarded === "" || forwarded.endsWith("\n\n"), "a partial event was forwarded");
    return { at: end, text: acc.text + forwarded };
  }, { at: 0, text: "" });
  const rest = text(filter.push(encoder.encode(all.slice(out.at)))) + text(filter.flush());
  assert.equal(out.text + rest, all);
  assert.equal(filter.chunks, 2);
});

Deno.test("SseFilter strips the usage chunk the client did not ask for, and keeps its usage", () => {
  const stripping = new SseFilter(true);
  assert.equal(
    text(stripping.push(encoder.encode(chunk("x") + usage + "data: [DONE]\n\n"))),
    chunk("x") + "data: [DONE]\n\n",
  );
  assert.deepEqual(stripping.usage, { prompt_tokens: 5, completion_tokens: 2 });
  const keeping = new SseFilter(false);
  assert.equal(text(keeping.push(encoder.encode(usage))), usage);
  assert.equal(keeping.usage?.completion_tokens, 2);
  assert.equal(keeping.chunks, 0);
});

Deno.test('SseFilter notes an error payload and ignores "error" inside content', () => {
  const filter = new SseFilter(true);
  filter.push(encoder.encode(chunk('the \\"error\\" word')));
  assert.equal(filter.errorCode, null);
  filter.push(
    encoder.encode(
      'data: {"error":{"message":"boom","type":"server_error","code":"overloaded"}}\n\n',
    ),
  );
  assert.equal(filter.errorCode, "overloaded");
});

Deno.test("SseFilter handles CRLF event separators", () => {
  const filter = new SseFilter(true);
  const out = text(
    filter.push(
      encoder.encode(chunk("a").replaceAll("\n", "\r\n") + usage.replaceAll("\n", "\r\n")),
    ),
  );
  assert.equal(out, chunk("a"));
  assert.equal(filter.usage?.prompt_tokens, 5);
});

Deno.test("SseFilter keeps CRLF events apart when a read ends between CR and LF", () => {
  const filter = new SseFilter(true);
  const crlf = (event: string) => event.replaceAll("\n", "\r\n");
  const all = crlf(chunk("a")) + crlf(usage) + crlf("data: [DONE]\n\n");
  // Every cut between the CR and the LF of an event's closing blank line.
  const cuts = [...all.matchAll(/\r\n\r\n/g)].map((m) => m.index! + 3);
  let out = "";
  let at = 0;
  for (const cut of cuts) {
    out += text(filter.push(encoder.encode(all.slice(at, cut))));
    at = cut;
  }
  out += text(filter.push(encoder.encode(all.slice(at)))) + text(filter.flush());
  assert.equal(out, chunk("a") + "data: [DONE]\n\n");
  assert.equal(filter.usage?.prompt_tokens, 5);
});

const deployment = (id: string, weight: number): Deployment => {
  const [provider, model] = id.split("/");
  return { id, provider, model, baseURL: "http://x", weight };
};

Deno.test("an upstream stream that never ends its event fails as upstream_error past 1 MiB", async () => {
  // 2 MiB of one unterminated `data:` line, then the end of the stream.
  const piece = encoder.encode("x".repeat(64 * 1024));
  let left = 32;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => c.enqueue(encoder.encode("data: ")),
    pull: (c) => left-- > 0 ? c.enqueue(piece.slice()) : c.close(),
  });
  const posted: FromActor[] = [];
  const ended = Promise.withResolvers<void>();
  const proxy = createLlmProxy({
    options: { timeoutMs: 60_000, cooldownMs: 1000 },
    post(message) {
      posted.push(message);
      if (message.t === "end" || message.t === "res") ended.resolve();
    },
    fetch: () => Promise.resolve(new Response(body)),
  });
  proxy.configure({
    providers: [{ name: "local", baseURL: "http://upstream/v1", models: ["m"] }],
    aliases: {},
  });
  proxy.handle({
    t: "req",
    id: 1,
    endpoint: "chat",
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    model: "m",
    allowed: ["local/m"],
    stream: true,
    includeUsage: false,
  });
  await ended.promise;
  const end = posted.at(-1)!;
  assert.equal(end.t, "end");
  assert.equal(end.t === "end" && end.summary.errorCode, "upstream_error");
  const sent = posted.flatMap((m) => m.t === "head" || m.t === "chunk" ? [text(m.data)] : []);
  assert.equal(sent.length, 1, "only the error payload reaches the client");
  assert.match(sent[0], /^data: \{"error":\{.*"code":"upstream_error"/);
  assert.ok(left > 0, "the upstream was read to its end, not cancelled");
});

Deno.test("Balancer orders by weight and puts cooling deployments last", () => {
  let now = 0;
  const draws = [0.9, 0.5];
  const balancer = new Balancer(1000, () => now, () => draws.shift() ?? 0.5);
  const a = deployment("a/m", 1);
  const b = deployment("b/m", 3);
  // keys: a = 0.9^(1/1) = 0.9, b = 0.5^(1/3) ≈ 0.79: a first.
  assert.deepEqual(balancer.order([a, b]).map((d) => d.id), ["a/m", "b/m"]);
  balancer.fail(a);
  assert.deepEqual(balancer.order([a, b]).map((d) => d.id), ["b/m", "a/m"]);
  assert.deepEqual(balancer.coolingDown(), ["a/m"]);
  now = 1001;
  assert.deepEqual(balancer.coolingDown(), []);
});

Deno.test("Balancer shares traffic in proportion to weight", () => {
  const balancer = new Balancer(0);
  const heavy = deployment("heavy/m", 3);
  const light = deployment("light/m", 1);
  let first = 0;
  for (let i = 0; i < 4000; i++) if (balancer.order([heavy, light])[0] === heavy) first++;
  assert.ok(first > 2700 && first < 3300, `heavy first ${first} of 4000 (expected ~3000)`);
});

Deno.test("applyUsage() takes only token counts from an upstream's usage", () => {
  const req = {
    t: "req" as const,
    id: 1,
    endpoint: "chat" as const,
    body: "x".repeat(40),
    model: "m",
    allowed: [],
    stream: false,
    includeUsage: false,
  };
  const summary = () => emptySummary({ attempts: 1 });
  const good = summary();
  applyUsage(good, { prompt_tokens: 5, completion_tokens: 2 }, req);
  assert.deepEqual([good.inputTokens, good.outputTokens, good.estimated], [5, 2, false]);
  const odd = summary();
  applyUsage(odd, { prompt_tokens: 5, completion_tokens: {} as unknown as number }, req, 3);
  assert.deepEqual([odd.inputTokens, odd.outputTokens, odd.estimated], [5, 3, true]);
  const empty = summary();
  applyUsage(empty, {}, req);
  assert.deepEqual([empty.inputTokens, empty.outputTokens, empty.estimated], [10, 0, true]);
});
