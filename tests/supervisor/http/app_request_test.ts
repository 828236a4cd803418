/** The hub's HTTP app driven in-process with `app.request()` (no socket). */
import assert from "node:assert/strict";
import { withHub } from "../../helpers/hub.ts";

Deno.test("app.request(): health, auth, operations, limits and OpenAPI without a socket", async (t) => {
  await withHub(async (hub, { adminKey }) => {
    const auth = { authorization: `Bearer ${adminKey}` };

    await t.step("GET /health needs no key", async () => {
      const response = await hub.app.request("/health");
      assert.equal(response.status, 200);
      assert.equal((await response.json()).status, "ok");
    });

    await t.step("any other route needs a key", async () => {
      const response = await hub.app.request("/api/v1/operations");
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "unauthorized");
    });

    await t.step("a call answers with the output and the call id", async () => {
      const response = await hub.app.request("/api/v1/operations/hub.status", {
        method: "POST",
        headers: auth,
      });
      const body = await response.json();
      assert.equal(response.status, 200);
      assert.equal(body.requestId, response.headers.get("x-call-id"));
      assert.equal(body.output.operations, hub.registry.list().length);
    });

    await t.step("an oversized body is payload_too_large", async () => {
      const response = await hub.app.request("/api/v1/operations/hub.status", {
        method: "POST",
        headers: { ...auth, "content-length": String(hub.settings.bodyLimitBytes + 1) },
        body: "x".repeat(hub.settings.bodyLimitBytes + 1),
      });
      assert.equal(response.status, 413);
      assert.equal((await response.json()).error.code, "payload_too_large");
    });

    await t.step("openapi.json lists every operation for the admin key", async () => {
      const body = await (await hub.app.request("/api/v1/openapi.json", { headers: auth })).json();
      const operationPaths = Object.keys(body.paths).filter((path) =>
        path.startsWith("/api/v1/operations/") && !path.includes("{")
      );
      assert.equal(operationPaths.length, hub.registry.list().length);
    });
  });
});
