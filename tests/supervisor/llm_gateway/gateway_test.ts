import assert from "node:assert/strict";
import OpenAI from "openai";
import { withLlmHub } from "./_helpers.ts";
import { TEST_REDIS_URL } from "../../helpers/services.ts";

const messages = [{ role: "user" as const, content: "Say hello" }];
const chat = (baseURL: string, key: string, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ messages, ...body }),
    signal,
  });

Deno.test("limits: rpm answers 429 rate_limit_exceeded with retry-after and x-ratelimit headers", async () => {
  await withLlmHub(async ({ baseURL, key, usage, logs }) => {
    const { key: apiKey } = await key({ limits: { rpm: 2 } });
    const first = await chat(baseURL, apiKey, { model: "fake-1" });
    await first.body?.cancel();
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-ratelimit-limit-requests"), "2");
    assert.equal(first.headers.get("x-ratelimit-remaining-requests"), "1");
    assert.match(first.headers.get("x-ratelimit-reset-requests") ?? "", /^\d+(\.\d)?(ms|s)$/);
    await (await chat(baseURL, apiKey, { model: "fake-1" })).body?.cancel();
    const refused = await chat(baseURL, apiKey, { model: "fake-1" });
    assert.equal(refused.status, 429);
    const body = await refused.json();
    assert.equal(body.error.code, "rate_limit_exceeded");
    assert.equal(body.error.type, "rate_limit_error");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.ok(Number(refused.headers.get("retry-after-ms")) > 0);
    assert.equal(refused.headers.get("x-ratelimit-remaining-requests"), "0");
    assert.ok(refused.headers.get("x-request-id"));
    // The SDK sees a RateLimitError (no retries: it would wait out retry-after).
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "fake-1", messages }).catch((e) =>
      e
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    const rows = await usage(4);
    assert.deepEqual(rows.map((r) => r.status), [200, 200, 429, 429]);
    // Each refusal is a warning naming the limit, the request and the key's prefix.
    const refusals = logs.filter((line) => line.includes("Refused LLM request"));
    assert.equal(refusals.length, 2, logs.join("\n"));
    assert.match(refusals[0], /requests\W* limit/);
    assert.match(refusals[0], new RegExp(refused.headers.get("x-request-id")!));
    assert.ok(!refusals.some((line) => line.includes(apiKey)), "a key was logged");
  });
});

Deno.test("limits: tpm refuses what does not fit and tells the SDK not to retry a request too large", async () => {
  await withLlmHub(async ({ baseURL, key }) => {
    const { key: apiKey } = await key({ limits: { tpm: 300 } });
    const ok = await chat(baseURL, apiKey, { model: "fake-1", max_tokens: 50 });
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("x-ratelimit-limit-tokens"), "300");
    // Settled with the real usage (a few tokens), not the reservation.
    const after = await chat(baseURL, apiKey, { model: "fake-1", max_tokens: 50 });
    await after.body?.cancel();
    assert.equal(after.status, 200);
    assert.ok(Number(after.headers.get("x-ratelimit-remaining-tokens")) > 150);
    const huge = await chat(baseURL, apiKey, { model: "fake-1", max_tokens: 10_000 });
    assert.equal(huge.status, 429);
    assert.equal(huge.headers.get("x-should-retry"), "false");
    assert.equal((await huge.json()).error.code, "rate_limit_exceeded");
  });
});

Deno.test("limits: maxParallel refuses a request while the slots are taken, then admits again", async () => {
  await withLlmHub(async ({ baseURL, key, fake }) => {
    const { key: apiKey } = await key({ limits: { maxParallel: 1 } });
    const controller = new AbortController();
    const hanging = await chat(
      baseURL,
      apiKey,
      { model: "fake-hang", stream: true },
      controller.signal,
    );
    assert.equal(hanging.status, 200);
    const reader = hanging.body!.getReader();
    await reader.read(); // the stream is live: its slot is held
    const refused = await chat(baseURL, apiKey, { model: "fake-1" });
    assert.equal(refused.status, 429);
    assert.match((await refused.json()).error.message, /in flight/);
    const aborted = fake.aborted("fake-hang");
    controller.abort();
    await reader.cancel().catch(() => {});
    await aborted;
    // The slot is released when the actor reports the end; poll the outcome, not the clock.
    let status = 429;
    for (let i = 0; i < 200 && status === 429; i++) {
      const response = await chat(baseURL, apiKey, { model: "fake-1" });
      await response.body?.cancel();
      status = response.status;
    }
    assert.equal(status, 200);
  });
});

Deno.test({
  name: "limits: a hub on Redis keeps the rpm limit exact under concurrent requests",
  ignore: !TEST_REDIS_URL,
  async fn() {
    await withLlmHub(
      async ({ baseURL, key }) => {
        const { key: apiKey } = await key({ limits: { rpm: 5 } });
        const responses = await Promise.all(
          Array.from({ length: 12 }, () => chat(baseURL, apiKey, { model: "fake-1" })),
        );
        await Promise.all(responses.map((r) => r.body?.cancel()));
        assert.equal(responses.filter((r) => r.status === 200).length, 5);
        assert.equal(responses.filter((r) => r.status === 429).length, 7);
      },
      undefined,
      { redisUrl: TEST_REDIS_URL },
    );
  },
});

Deno.test("routing: a 429 or 5xx deployment falls back to the next one, and cools down", async () => {
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    for (const model of ["shared-a", "shared-b"]) {
      const result = await client.chat.completions.create({ model, messages });
      assert.equal(result.choices[0].message.content, `Hello from ${model}!`);
      // The failing deployment is cooling down: it is tried last, so not at all.
      const second = await client.chat.completions.create({ model, messages });
      assert.equal(second.choices[0].message.content, `Hello from ${model}!`);
      assert.equal(fake.hits(model), 3, `${model}: one failure and two answers upstream`);
    }
    const rows = await usage(4);
    assert.deepEqual(rows.map((r) => [r.status, r.provider, r.attempts]), [
      [200, "good", 2],
      [200, "good", 1],
      [200, "good", 2],
      [200, "good", 1],
    ]);
  }, {
    providers: [
      // Weighted to be tried first almost always: only the cooldown keeps them out.
      { name: "limited", baseURL: "$FAKE_429", models: ["shared-a"], weight: 1_000_000 },
      { name: "broken", baseURL: "$FAKE_500", models: ["shared-b"], weight: 1_000_000 },
      { name: "good", baseURL: "$FAKE", models: ["shared-a", "shared-b"], weight: 0.000001 },
    ],
    aliases: {},
    cooldownMs: 600_000,
  });
});

Deno.test("routing: a stream falls back on timeout and connect failure before any byte reaches the client", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const aborted = fake.aborted("fake-1");
    for (let i = 0; i < 2; i++) {
      const stream = await client.chat.completions.create({
        model: "fake-1",
        messages,
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(text, "Hello from fake-1!");
    }
    await aborted; // the timed-out upstream request was abandoned, not left running
    const rows = await usage(2);
    // First: slow and dead fail (either order), good answers; then both cool down.
    assert.deepEqual(rows.map((r) => [r.status, r.provider, r.attempts, r.errorCode]), [
      [200, "good", 3, null],
      [200, "good", 1, null],
    ]);
  }, {
    providers: [
      { name: "slow", baseURL: "$FAKE_slow", models: ["fake-1"], weight: 1_000_000 },
      {
        name: "dead",
        baseURL: `http://127.0.0.1:${deadPort}/v1`,
        models: ["fake-1"],
        weight: 1_000_000,
      },
      { name: "good", baseURL: "$FAKE", models: ["fake-1"], weight: 0.000001 },
    ],
    aliases: {},
    timeoutMs: 300,
    cooldownMs: 600_000,
  }, { slowMs: 60_000 });
});

Deno.test("routing: an upstream refusing the hub's provider key falls back and is never passed on", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const fallback = await chat(baseURL, apiKey, { model: "shared-c" });
    assert.equal(fallback.status, 200);
    assert.equal((await fallback.json()).choices[0].message.content, "Hello from shared-c!");
    const refused = await chat(baseURL, apiKey, { model: "only-refused" });
    assert.equal(refused.status, 502);
    const text = await refused.text();
    assert.doesNotMatch(text, /sk-|Incorrect API key/);
    assert.equal(JSON.parse(text).error.code, "upstream_error");
    const rows = await usage(2);
    assert.deepEqual(rows.map((r) => [r.status, r.attempts]), [[200, 2], [502, 1]]);
  }, {
    providers: [
      {
        name: "refusing",
        baseURL: "$FAKE_401",
        models: ["shared-c", "only-refused"],
        weight: 1_000_000,
      },
      { name: "good", baseURL: "$FAKE", models: ["shared-c"], weight: 0.000001 },
    ],
    aliases: {},
    cooldownMs: 600_000,
  });
});

Deno.test("routing: when every deployment fails the client gets the last failure in OpenAI's shape", async () => {
  await withLlmHub(async ({ baseURL, key, usage, logs }) => {
    const { key: apiKey } = await key();
    const response = await chat(baseURL, apiKey, { model: "fake-500" });
    assert.equal(response.status, 502);
    const body = await response.json();
    assert.equal(body.error.type, "server_error");
    assert.equal(body.error.code, "upstream_error");
    const [row] = await usage(1);
    assert.equal(row.status, 502);
    assert.equal(row.errorCode, "upstream_error");
    // The operator sees the upstream failure as a warning.
    const warning = logs.find((line) => line.includes(response.headers.get("x-request-id")!));
    assert.ok(warning, logs.join("\n"));
    assert.match(
      warning,
      /failed with \W*upstream_error\W*: \W*Upstream \W*local\/fake-500\W* failed/,
    );
  });
});

Deno.test("abort: a client that goes away mid-stream aborts the upstream request and leaves a record", async () => {
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey } = await key();
    const controller = new AbortController();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: "fake-hang", messages, stream: true },
      { signal: controller.signal },
    );
    const aborted = fake.aborted("fake-hang");
    for await (const chunk of stream) {
      assert.equal(chunk.choices[0].delta.role, "assistant");
      controller.abort();
    }
    await aborted;
    const rows = await usage(1); // recorded once the actor reports the aborted stream's end
    assert.equal(rows.length, 1);
    assert.equal(rows[0].errorCode, "client_closed");
    assert.equal(rows[0].usageEstimated, true);
  });
});

Deno.test("actor crash: requests in flight fail with an OpenAI error, and the pool carries on", async () => {
  await withLlmHub(async ({ hub, baseURL, key, fake }) => {
    const { key: apiKey } = await key();
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const streaming = await chat(baseURL, apiKey, { model: "fake-hang", stream: true });
    const reader = streaming.body!.getReader();
    await reader.read();
    const arrived = fake.arrived("fake-slow");
    const plainPending = chat(baseURL, apiKey, { model: "fake-slow" });
    await arrived; // in flight in the actor
    await hub.actors.restart("llm-proxy-0");
    const plain = await plainPending;
    assert.equal(plain.status, 503);
    assert.equal((await plain.json()).error.code, "actor_unavailable");
    let rest = "";
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += decoder.decode(r.value);
    }
    assert.match(rest, /"error":\{"message":"Cannot finish request: actor \\"llm-proxy-0\\"/);
    // The restarted actor (or the other pool member) serves the next request.
    let answer: string | null = null;
    for (let i = 0; i < 200 && answer === null; i++) {
      answer = await client.chat.completions.create({ model: "fake-1", messages })
        .then((r) => r.choices[0].message.content, () => null);
    }
    assert.equal(answer, "Hello from fake-1!");
  });
});

Deno.test("usage: the record's request id is the hub's own; a client's x-request-id is kept apart", async () => {
  await withLlmHub(async ({ baseURL, key, usage }) => {
    const { key: apiKey } = await key();
    const send = (requestId?: string) =>
      fetch(`${baseURL}/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${apiKey}`,
          "content-type": "application/json",
          ...(requestId ? { "x-request-id": requestId } : {}),
        },
        body: JSON.stringify({ model: "fake-1", messages }),
      });
    const answers = [await send("forged-1"), await send("forged-1"), await send()];
    await Promise.all(answers.map((r) => r.body?.cancel()));
    const rows = await usage(3);
    assert.deepEqual(rows.map((r) => r.clientRequestId), ["forged-1", "forged-1", null]);
    const ids = rows.map((r) => r.requestId);
    assert.equal(new Set(ids).size, 3, "billing ids cannot be duplicated by a client");
    assert.ok(!ids.includes("forged-1"), "nor chosen by one");
    // The client is told the id its request is recorded under.
    assert.deepEqual(answers.map((r) => r.headers.get("x-request-id")), ids);
  });
});
