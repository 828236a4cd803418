import assert from "node:assert/strict";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import { withLlmHub } from "./_helpers.ts";

Deno.test("AI SDK: streamText runs a tool loop through the hub", async () => {
  await withLlmHub(async ({ baseURL, key, fake, usage }) => {
    const { key: apiKey } = await key();
    const hub = createOpenAICompatible({ name: "hub", baseURL, apiKey, includeUsage: true });
    const calls: unknown[] = [];
    const result = streamText({
      model: hub("fast"),
      prompt: "What is the weather in Paris?",
      tools: {
        get_weather: tool({
          description: "The weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          }),
          execute: (input) => {
            calls.push(input);
            return Promise.resolve("sunny, 21 °C");
          },
        }),
      },
      stopWhen: isStepCount(3),
    });
    let text = "";
    for await (const part of result.textStream) text += part;
    assert.deepEqual(calls, [{ city: "Paris" }]);
    assert.equal(text, "The tool said: sunny, 21 °C");
    const steps = await result.steps;
    assert.equal(steps.length, 2);
    // Two upstream calls, the second carrying the tool result.
    assert.equal(fake.requests.length, 2);
    const second = fake.requests[1].body.messages as Array<{ role: string }>;
    assert.equal(second.at(-1)?.role, "tool");
    const rows = await usage(2);
    assert.equal(rows.length, 2);
    const total = await result.totalUsage;
    assert.equal(
      rows.reduce((sum, r) => sum + (r.outputTokens as number), 0),
      total.outputTokens,
    );
  });
});

Deno.test("AI SDK: generateText works without streaming", async () => {
  await withLlmHub(async ({ baseURL, key }) => {
    const { key: apiKey } = await key();
    const hub = createOpenAICompatible({ name: "hub", baseURL, apiKey });
    const { text, usage } = await generateText({ model: hub("local/fake-1"), prompt: "Hi" });
    assert.equal(text, "Hello from fake-1!");
    assert.equal(usage.outputTokens, 4);
  });
});
