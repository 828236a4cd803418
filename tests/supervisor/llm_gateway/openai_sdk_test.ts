import assert from "node:assert/strict";
import OpenAI from "openai";
import { withLlmHub } from "./_helpers.ts";
import { fakePromptTokens } from "../../helpers/fake_openai.ts";

const messages = [{ role: "user" as const, content: "Say hello" }];

Deno.test("openai SDK: non-streaming chat completion through the hub", async () => {
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey, id } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "fake-1", messages })
      .withResponse();
    assert.equal(data.choices[0].message.content, "Hello from fake-1!");
    assert.equal(data.usage?.prompt_tokens, fakePromptTokens({ messages }));
    assert.equal(data.usage?.completion_tokens, 4);
    assert.ok(response.headers.get("x-request-id"));
    // The upstream got the provider's key, never the client's.
    assert.equal(fake.requests[0].authorization, "Bearer sk-upstream");
    const rows = await usage(1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].keyId, id);
    assert.equal(rows[0].provider, "local");
    assert.equal(rows[0].model, "fake-1");
    assert.equal(rows[0].inputTokens, data.usage?.prompt_tokens);
    assert.equal(rows[0].outputTokens, data.usage?.completion_tokens);
    assert.equal(rows[0].status, 200);
    assert.equal(rows[0].errorCode, null);
    assert.equal(rows[0].requestId, response.headers.get("x-request-id"));
  });
});

Deno.test("openai SDK: a stream arrives chunk by chunk, without the usage chunk it did not ask for", async () => {
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions.create({
      model: "fast",
      messages,
      stream: true,
    }).withResponse();
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.notEqual(chunk.choices.length, 0, "the usage-only chunk reached the client");
      text += chunk.choices[0].delta.content ?? "";
    }
    assert.equal(text, "Hello from fake-1!");
    assert.equal(chunks, 6);
    // The hub asked upstream for usage (and renamed the alias).
    assert.deepEqual(fake.requests[0].body.stream_options, { include_usage: true });
    assert.equal(fake.requests[0].model, "fake-1");
    const [row] = await usage(1);
    assert.equal(row.requestedModel, "fast");
    assert.equal(row.stream, true);
    assert.equal(row.inputTokens, fakePromptTokens({ messages }));
    assert.equal(row.outputTokens, 4);
    assert.equal(row.usageEstimated, false);
    assert.equal(typeof row.ttfcMs, "number");
  });
});

Deno.test("openai SDK: a stream that asked for usage gets the usage chunk, matching the record", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "local/fake-1",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let seen: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) if (chunk.usage) seen = chunk.usage;
    assert.ok(seen);
    const [row] = await usage(1);
    assert.equal(row.inputTokens, seen.prompt_tokens);
    assert.equal(row.outputTokens, seen.completion_tokens);
  });
});

Deno.test("openai SDK: tool-call deltas pass through untouched, streaming and not", async () => {
  await withLlmHub(async ({ baseURL, key }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const tools: OpenAI.ChatCompletionTool[] = [{
      type: "function",
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    }];
    const plain = await client.chat.completions.create({ model: "fake-1", messages, tools });
    const call = plain.choices[0].message.tool_calls?.[0];
    assert.equal(call?.type, "function");
    assert.deepEqual(JSON.parse(call.type === "function" ? call.function.arguments : ""), {
      city: "Paris",
    });

    const runner = client.chat.completions.stream({ model: "fake-1", messages, tools });
    const fragments: string[] = [];
    for await (const chunk of runner) {
      const fragment = chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments;
      if (fragment) fragments.push(fragment);
    }
    assert.deepEqual(fragments, ['{"ci', 'ty":"Pa', 'ris"}']);
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0].message.tool_calls?.[0];
    assert.equal(streamed?.type === "function" && streamed.function.name, "get_weather");
    assert.equal(final.choices[0].finish_reason, "tool_calls");
  });
});

Deno.test("openai SDK: embeddings and models", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const result = await client.embeddings.create({ model: "fake-1", input: ["a", "b"] });
    assert.equal(result.data.length, 2);
    assert.equal(result.data[1].index, 1);
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    assert.ok(models.includes("fake-1"));
    assert.ok(models.includes("fast"));
    assert.ok(models.includes("local/fake-1"));
    const [row] = await usage(1);
    assert.equal(row.endpoint, "embeddings");
    assert.equal(row.inputTokens, result.usage.prompt_tokens);
  });
});

Deno.test("openai SDK: errors arrive as APIError in OpenAI's shape", async () => {
  await withLlmHub(async ({ baseURL, key, hub }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const missing = await client.chat.completions.create({ model: "nope", messages }).catch((e) =>
      e
    );
    assert.ok(missing instanceof OpenAI.NotFoundError);
    assert.equal(missing.code, "model_not_found");
    assert.ok(missing.requestID);

    const bad = new OpenAI({ baseURL, apiKey: "alk_000000000000_nope", maxRetries: 0 });
    const unauthorized = await bad.chat.completions.create({ model: "fake-1", messages })
      .catch((e) => e);
    assert.ok(unauthorized instanceof OpenAI.AuthenticationError);
    assert.equal(unauthorized.type, "authentication_error");

    const opsOnly = await hub.keys.create({ name: "ops", scopes: ["ops"] }, { via: "cli" });
    const forbidden = await new OpenAI({ baseURL, apiKey: opsOnly.key, maxRetries: 0 })
      .chat.completions.create({ model: "fake-1", messages }).catch((e) => e);
    assert.ok(forbidden instanceof OpenAI.PermissionDeniedError);

    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.type, "invalid_request_error");
    assert.ok(response.headers.get("x-request-id"));

    const unknown = await fetch(`${baseURL}/completions-nope`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.type, "invalid_request_error");
    const noKey = await fetch(`${baseURL}/models`);
    assert.equal(noKey.status, 401);
    assert.equal((await noKey.json()).error.code, "invalid_api_key");
    assert.ok(noKey.headers.get("x-request-id"));

    const upstream429 = await client.chat.completions.create({ model: "fake-429", messages })
      .catch((e) => e);
    assert.ok(upstream429 instanceof OpenAI.RateLimitError);
    assert.equal(upstream429.code, "rate_limit_exceeded");
    assert.equal(upstream429.headers.get("retry-after"), "7");
  });
});

Deno.test("openai SDK: a mid-stream upstream error reaches the client as APIError and is recorded", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    for (const model of ["fake-midfail", "fake-cut"]) {
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      let text = "";
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      })().catch((e) => e);
      assert.ok(error instanceof OpenAI.APIError, `${model}: ${error}`);
      assert.equal(text, "Hello");
    }
    const rows = await usage(2);
    assert.deepEqual(rows.map((r) => r.errorCode), ["fake_failure", "upstream_error"]);
    for (const row of rows) {
      assert.equal(row.usageEstimated, true);
      assert.ok((row.outputTokens as number) >= 1, "what was seen is counted");
    }
  });
});

Deno.test("openai SDK: an upstream error without a JSON body arrives as an OpenAI error, not 'no body'", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const empty = await client.embeddings.create({ model: "fake-404empty", input: "a" })
      .catch((e) => e);
    assert.ok(empty instanceof OpenAI.NotFoundError, String(empty));
    assert.equal(empty.type, "invalid_request_error");
    assert.equal(empty.code, "not_found");
    assert.match(
      empty.message,
      /Upstream "local\/fake-404empty" answered HTTP 404 without an error body/,
    );
    assert.doesNotMatch(empty.message, /no body/);
    assert.ok(empty.requestID);

    const text = await client.chat.completions.create({ model: "fake-400text", messages })
      .catch((e) => e);
    assert.ok(text instanceof OpenAI.BadRequestError, String(text));
    assert.equal(text.code, "invalid_request");
    assert.match(text.message, /with an error body that is not JSON/);
    const rows = await usage(2);
    assert.deepEqual(rows.map((r) => [r.status, r.errorCode, r.attempts]), [
      [404, "not_found", 1],
      [400, "invalid_request", 1],
    ]);
  });
});

Deno.test("openai SDK: an unknown /v1 route is an OpenAI not-found error with a type from the table", async () => {
  await withLlmHub(async ({ baseURL, key }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const error = await client.post("/nope", { body: {} }).catch((e) => e);
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.equal(error.type, "invalid_request_error");
    assert.equal(error.code, "not_found");
    assert.match(error.message, /Cannot find route POST \/v1\/nope/);
  });
});
