import assert from "node:assert/strict";
import { Catalog, deploymentScope, grantsDeployment } from "../../src/llm_catalog/mod.ts";

Deno.test("Catalog resolves provider/model, aliases and names several providers serve", () => {
  const catalog = new Catalog({
    providers: [
      { name: "p1", baseURL: "http://a/v1/", models: ["m", "only1"] },
      { name: "p2", baseURL: "http://b/v1", models: ["m"], weight: 2 },
    ],
    aliases: { fast: "p2/m", broken: "nope" },
  });
  assert.deepEqual(catalog.resolve("m")?.deployments.map((d) => d.id), ["p1/m", "p2/m"]);
  assert.equal(catalog.resolve("p1/m")?.deployments[0].baseURL, "http://a/v1");
  assert.deepEqual(catalog.resolve("fast")?.deployments.map((d) => d.id), ["p2/m"]);
  assert.equal(catalog.resolve("nope"), undefined);
  assert.deepEqual(catalog.danglingAliases(), ["broken"]);
  const scoped = catalog.models(["llm:p2"]).map((m) => m.id).sort();
  assert.deepEqual(scoped, ["fast", "m", "p2/m"]);
});

Deno.test("grantsDeployment() keeps a model's scope from granting models whose names extend it", () => {
  const one = { provider: "ollama", model: "llama3" };
  const other = { provider: "ollama", model: "llama3:70b" };
  assert.equal(deploymentScope(one), "llm:ollama:llama3");
  assert.equal(deploymentScope(other), "llm:ollama:llama3:70b");
  assert.equal(grantsDeployment([deploymentScope(one)], other), false);
  assert.equal(grantsDeployment([deploymentScope(other)], other), true);
  assert.equal(grantsDeployment(["llm:ollama"], other), true);
  assert.equal(grantsDeployment(["llm"], other), true);
  assert.equal(grantsDeployment(["llm:other"], other), false);
});

Deno.test("grantsDeployment(): llm:p:gpt-4 grants the model gpt-4 only, not GPT-4 or gpt/4", () => {
  const catalog = new Catalog({
    providers: [{ name: "p", baseURL: "http://a/v1", models: ["gpt-4", "GPT-4", "gpt/4"] }],
    aliases: {},
  });
  const scopes = ["llm:p:gpt-4"];
  assert.deepEqual(catalog.models(scopes).map((m) => m.id).sort(), ["gpt-4", "p/gpt-4"]);
  for (const name of ["GPT-4", "gpt/4", "p/GPT-4", "p/gpt/4"]) {
    assert.deepEqual(catalog.allowed(catalog.resolve(name)!, scopes), [], name);
  }
  // A model whose name no scope can hold is granted with its provider.
  assert.equal(catalog.allowed(catalog.resolve("GPT-4")!, ["llm:p"]).length, 1);
});
