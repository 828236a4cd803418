/** `GET /api/v1/openapi.json` covers every route the app registers, as valid OpenAPI 3.x. */
import assert from "node:assert/strict";
import { withHub } from "../../../helpers/hub.ts";

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Hono's `/models/:model{.+}` → OpenAPI's `/models/{model}`. */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

/** Every `$ref` anywhere in `value`. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) { for (const item of value) refs(item, found); }
  else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") found.push(inner);
      else refs(inner, found);
    }
  }
  return found;
}

Deno.test("openapi.json documents every registered route, /v1 included, as valid OpenAPI 3.x", async (t) => {
  await withHub(async (hub, { adminKey }) => {
    const response = await hub.app.request("/api/v1/openapi.json", {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(response.status, 200);
    const doc: Document = await response.json();

    await t.step("every route of the Hono app is in the document", () => {
      // Middleware is registered on wildcard paths; every other entry is a route.
      const routes = hub.app.routes.filter((route) => !route.path.endsWith("*"));
      // Sub-apps' routes are in the list too (else the check below would prove little).
      const seen = new Set(routes.map(({ method, path }) => `${method} ${path}`));
      for (const route of ["GET /api/v1/usage", "POST /v1/chat/completions", "GET /health"]) {
        assert.ok(seen.has(route), `${route} is not among the app's routes`);
      }
      const missing = routes.filter(({ method, path }) => {
        const item = doc.paths[toOpenApiPath(path)];
        // `all` serves whatever the path's documented methods leave (405, or MCP's GET/POST/DELETE).
        if (method === "ALL") return item === undefined;
        return item?.[method.toLowerCase()] === undefined;
      }).map(({ method, path }) => `${method} ${path}`);
      assert.deepEqual(missing, [], "routes without documentation");
    });

    await t.step("the /v1 gateway, /health, /mcp and /ws are there", () => {
      for (
        const [path, method] of [
          ["/v1/chat/completions", "post"],
          ["/v1/embeddings", "post"],
          ["/v1/models", "get"],
          ["/v1/models/{model}", "get"],
          ["/health", "get"],
          ["/mcp", "post"],
          ["/ws", "get"],
        ]
      ) assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
      // /v1 errors are OpenAI's shape; /health needs no key.
      assert.deepEqual(doc.paths["/v1/models"].get.responses.default, {
        $ref: "#/components/responses/OpenAiError",
      });
      assert.deepEqual((doc.paths["/health"].get as { security?: unknown }).security, []);
    });

    await t.step(
      "valid structure: unique operationIds, declared path params, resolvable refs",
      () => {
        assert.match(doc.openapi, /^3\.\d+\.\d+$/);
        assert.ok(doc.info.title && doc.info.version);
        assert.equal(
          (doc.components.securitySchemes.bearer as { scheme: string }).scheme,
          "bearer",
        );
        const ids: string[] = [];
        for (const [path, item] of Object.entries(doc.paths)) {
          assert.ok(path.startsWith("/"), path);
          const templated = [...path.matchAll(/\{(\w[\w-]*)\}/g)].map((m) => m[1]);
          for (const [method, op] of Object.entries(item)) {
            assert.ok(METHODS.includes(method), `${method} ${path}`);
            assert.equal(typeof op.operationId, "string", `${method} ${path}`);
            ids.push(op.operationId);
            assert.ok(Object.keys(op.responses).length > 0, `${method} ${path} has no responses`);
            assert.ok(op.responses.default, `${method} ${path} has no error response`);
            const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) =>
              p.name
            );
            assert.deepEqual(declared.sort(), [...templated].sort(), `${method} ${path} params`);
          }
        }
        assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
        for (const ref of refs(doc)) {
          const [, section, name] = ref.match(/^#\/components\/(\w+)\/(\w+)$/) ?? [];
          assert.ok(section && doc.components[section]?.[name], `unresolved ${ref}`);
        }
        // Every hub error response points at the one error schema.
        const hubErrors = Object.values(doc.paths).flatMap((item) => Object.values(item))
          .map((op) => (op.responses.default as { $ref: string }).$ref);
        assert.deepEqual(
          [...new Set(hubErrors)].sort(),
          ["#/components/responses/Error", "#/components/responses/OpenAiError"],
        );
      },
    );

    await t.step("schemas come from the validated ones: key input, LLM provider", () => {
      const keyBody = doc.paths["/api/v1/keys"].post.requestBody!.content["application/json"];
      assert.deepEqual(keyBody.schema, hub.registry.get("keys.create")!.spec.input);
      const provider = doc.paths["/api/v1/llm/providers"].post.requestBody!
        .content["application/json"].schema as { required: string[]; properties: object };
      assert.deepEqual(provider.required.sort(), ["baseURL", "models", "name"]);
      assert.ok("apiKey" in provider.properties);
    });
  });
});
