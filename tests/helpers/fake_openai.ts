/**
 * A fake OpenAI-compatible upstream on a real loopback `Deno.serve`, speaking
 * the real wire format: chat completions (JSON and SSE, `usage: null` on
 * every chunk and a final usage chunk when `stream_options.include_usage`),
 * tool-call deltas whose arguments are split across chunks, embeddings and
 * `/v1/models`. The model name picks a behaviour by suffix:
 *
 * | suffix     | behaviour                                                      |
 * | ---------- | -------------------------------------------------------------- |
 * | (none)     | answers `Hello from <model>!` (a tool call when tools are given) |
 * | `-429`     | 429 `rate_limit_exceeded` with `retry-after: 7`                |
 * | `-500`     | 500 `server_error`                                             |
 * | `-401`     | 401 `invalid_api_key` quoting a masked key (as OpenAI does)    |
 * | `-slow`    | waits `slowMs` before the first byte                           |
 * | `-midfail` | streams two chunks, then an error payload                      |
 * | `-cut`     | streams two chunks, then breaks the connection                 |
 * | `-hang`    | streams one chunk, then waits until the client goes away       |
 * | `-404empty`| 404 with an empty body (as some upstreams answer embeddings)   |
 * | `-400text` | 400 with a plain-text body                                     |
 *
 * A base URL `<root>/b/<behaviour>/v1` gives every model of a provider one
 * behaviour (`fake.urlFor("429")`), so one model name can be served by a
 * healthy and a failing provider.
 *
 * Run alone (`deno run -A tests/helpers/fake_openai.ts`) it prints its URL as
 * one JSON line and serves until killed (the benchmarks load it that way).
 *
 * @module
 */

/** One request the fake received. */
export interface FakeRequest {
  path: string;
  model: string;
  body: Record<string, unknown>;
  authorization: string | null;
}

/** A running fake upstream. */
export interface FakeOpenAi {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Base URL whose requests all behave as the suffix `behaviour` says (`"429"`, `"slow"`). */
  urlFor(behaviour: string): string;
  /** Resolves when the next request for `model` arrives. */
  arrived(model: string): Promise<void>;
  /** Resolves when a request for `model` is aborted by its client (the hub). */
  aborted(model: string): Promise<void>;
  /** Requests received for `model`. */
  hits(model: string): number;
  close(): Promise<void>;
}

/** Options of {@linkcode startFakeOpenAi}. */
export interface FakeOpenAiOptions {
  /** Delay before the first byte of a `-slow` model (default 2000 ms). */
  slowMs?: number;
  /** Text chunks of a normal streamed answer (default: the words of `Hello from <model>!`). */
  words?: number;
  /** Record requests (default true; the benchmark turns it off). */
  record?: boolean;
  port?: number;
}

const encoder = new TextEncoder();

/** Prompt tokens the fake reports: one per 4 characters of the messages, at least 1. */
export function fakePromptTokens(body: Record<string, unknown>): number {
  return Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.input ?? "").length / 4));
}

/** Starts the fake on a free loopback port. */
export function startFakeOpenAi(options: FakeOpenAiOptions = {}): FakeOpenAi {
  const slowMs = options.slowMs ?? 2000;
  const record = options.record ?? true;
  const requests: FakeRequest[] = [];
  const abortWaiters = new Map<string, Array<() => void>>();
  const arrivalWaiters = new Map<string, Array<() => void>>();
  const wait = (map: Map<string, Array<() => void>>, model: string) =>
    new Promise<void>((resolve) => {
      const waiters = map.get(model) ?? [];
      waiters.push(resolve);
      map.set(model, waiters);
    });
  const wake = (map: Map<string, Array<() => void>>, model: string) => {
    const waiters = map.get(model) ?? [];
    map.delete(model);
    waiters.forEach((resolve) => resolve());
  };
  let counter = 0;

  const notifyAbort = (model: string) => wake(abortWaiters, model);

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    let forced = "";
    const behaviour = /^\/b\/([a-z0-9]+)(\/.*)$/.exec(url.pathname);
    if (behaviour) {
      forced = `-${behaviour[1]}`;
      url.pathname = behaviour[2];
    }
    if (request.method === "GET" && url.pathname === "/v1/models") {
      return Response.json({ object: "list", data: [] });
    }
    if (request.method !== "POST") return error(404, "Not found", "invalid_request_error", null);
    const body = await request.json() as Record<string, unknown>;
    const model = String(body.model);
    const mode = forced || model;
    if (record) {
      requests.push({
        path: url.pathname,
        model,
        body,
        authorization: request.headers.get("authorization"),
      });
    }
    wake(arrivalWaiters, model);
    if (mode.endsWith("-429")) {
      return error(429, "Rate limit reached for fake", "rate_limit_error", "rate_limit_exceeded", {
        "retry-after": "7",
      });
    }
    if (mode.endsWith("-500")) return error(500, "The fake broke", "server_error", null);
    if (mode.endsWith("-404empty")) return new Response(null, { status: 404 });
    if (mode.endsWith("-400text")) {
      return new Response("Bad Request", {
        status: 400,
        headers: { "content-type": "text/plain" },
      });
    }
    if (mode.endsWith("-401")) {
      return error(
        401,
        "Incorrect API key provided: sk-up***********abcd",
        "invalid_request_error",
        "invalid_api_key",
      );
    }
    if (mode.endsWith("-slow")) {
      await abortableDelay(slowMs, request.signal);
      if (request.signal.aborted) {
        notifyAbort(model);
        return new Response(null, { status: 499 });
      }
    }
    if (url.pathname === "/v1/embeddings") return embeddings(body, model);
    if (url.pathname !== "/v1/chat/completions") {
      return error(404, "Not found", "invalid_request_error", null);
    }
    const id = `chatcmpl-fake${++counter}`;
    const answer = plan(body, model, options.words);
    if (body.stream !== true) return Response.json(completion(id, model, body, answer));
    return stream(id, model, mode, body, answer, request.signal, () => notifyAbort(model));
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
  }, handler);
  const root = `http://127.0.0.1:${server.addr.port}`;
  return {
    url: `${root}/v1`,
    requests,
    urlFor: (behaviour) => `${root}/b/${behaviour}/v1`,
    arrived: (model) => wait(arrivalWaiters, model),
    aborted: (model) => wait(abortWaiters, model),
    hits: (model) => requests.filter((r) => r.model === model).length,
    close: () => server.shutdown(),
  };
}

type Answer =
  | { kind: "text"; pieces: string[] }
  | { kind: "tool"; name: string; argumentPieces: string[] };

function plan(body: Record<string, unknown>, model: string, words?: number): Answer {
  const tools = body.tools as Array<{ function?: { name?: string } }> | undefined;
  const messages = body.messages as Array<{ role?: string; content?: unknown }> | undefined;
  const last = messages?.at(-1);
  if (tools && tools.length > 0 && last?.role !== "tool") {
    const name = tools[0].function?.name ?? "tool";
    // Split mid-token, as real providers do.
    return { kind: "tool", name, argumentPieces: ['{"ci', 'ty":"Pa', 'ris"}'] };
  }
  if (last?.role === "tool") {
    return { kind: "text", pieces: ["The tool said: ", String(last.content)] };
  }
  const base = ["Hello", " from", ` ${model}`, "!"];
  if (words === undefined) return { kind: "text", pieces: base };
  return { kind: "text", pieces: Array.from({ length: words }, (_, i) => base[i % base.length]) };
}

function usageOf(body: Record<string, unknown>, answer: Answer) {
  const prompt = fakePromptTokens(body);
  const completion = answer.kind === "text" ? answer.pieces.length : answer.argumentPieces.length;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

function completion(id: string, model: string, body: Record<string, unknown>, answer: Answer) {
  const message = answer.kind === "text"
    ? { role: "assistant", content: answer.pieces.join(""), refusal: null }
    : {
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{
        id: "call_fake1",
        type: "function",
        function: { name: answer.name, arguments: answer.argumentPieces.join("") },
      }],
    };
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: null,
    choices: [{
      index: 0,
      message,
      logprobs: null,
      finish_reason: answer.kind === "text" ? "stop" : "tool_calls",
    }],
    usage: usageOf(body, answer),
  };
}

function stream(
  id: string,
  model: string,
  mode: string,
  body: Record<string, unknown>,
  answer: Answer,
  signal: AbortSignal,
  onAbort: () => void,
): Response {
  const includeUsage =
    (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null) => {
    const value: Record<string, unknown> = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage) value.usage = null;
    return `data: ${JSON.stringify(value)}\n\n`;
  };
  const events: string[] = [];
  if (answer.kind === "text") {
    events.push(chunk({ role: "assistant", content: "", refusal: null }, null));
    for (const piece of answer.pieces) events.push(chunk({ content: piece }, null));
    events.push(chunk({}, "stop"));
  } else {
    events.push(chunk({
      role: "assistant",
      content: null,
      tool_calls: [{
        index: 0,
        id: "call_fake1",
        type: "function",
        function: { name: answer.name, arguments: "" },
      }],
    }, null));
    for (const piece of answer.argumentPieces) {
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    }
    events.push(chunk({}, "tool_calls"));
  }
  if (includeUsage) {
    events.push(
      `data: ${
        JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          system_fingerprint: null,
          choices: [],
          usage: usageOf(body, answer),
        })
      }\n\n`,
    );
  }
  events.push("data: [DONE]\n\n");

  if (mode.endsWith("-midfail") || mode.endsWith("-cut") || mode.endsWith("-hang")) {
    const broken = mode.endsWith("-hang") ? 1 : 2;
    const readable = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const event of events.slice(0, broken)) controller.enqueue(encoder.encode(event));
        if (mode.endsWith("-midfail")) {
          const payload = {
            error: {
              message: "The fake failed mid-stream",
              type: "server_error",
              param: null,
              code: "fake_failure",
            },
          };
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(payload)}\n\n`));
          controller.close();
        } else if (mode.endsWith("-cut")) {
          // Let the first chunks reach the client before the connection breaks.
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.error(new Error("connection cut"));
        }
      },
      cancel() {
        onAbort();
      },
    });
    signal.addEventListener("abort", onAbort, { once: true });
    return new Response(readable, { headers: sseHeaders() });
  }
  // All events in one write: the fastest a real upstream could be.
  return new Response(encoder.encode(events.join("")), { headers: sseHeaders() });
}

function embeddings(body: Record<string, unknown>, model: string): Response {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const prompt = fakePromptTokens(body);
  return Response.json({
    object: "list",
    data: inputs.map((_, index) => ({
      object: "embedding",
      index,
      embedding: [0.1 * (index + 1), 0.2, 0.3],
    })),
    model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  });
}

function sseHeaders(): Record<string, string> {
  return { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
}

function error(
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: { message, type, param: null, code } }, { status, headers });
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

if (import.meta.main) {
  const port = Deno.args[0] ? Number(Deno.args[0]) : 0;
  const fake = startFakeOpenAi({ port, record: false });
  console.log(JSON.stringify({ url: fake.url }));
}
