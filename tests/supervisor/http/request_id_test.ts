/** One request id, followed from any answer (success or error, header or body) to its call. */
import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation, serveOperations } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { withHub } from "../../helpers/hub.ts";

const fails = defineOperation({
  name: "test.fails",
  kind: "mutation",
  description: "Always fails",
  input: Type.Object({}),
  output: Type.Object({}),
  access: { scopes: ["ops"] },
  handler: () => {
    throw new HubError("conflict", "Cannot do it: it always fails");
  },
});

Deno.test("request id: every answer's id finds its call at GET /api/v1/calls/<id>", async (t) => {
  await withHub(async (hub, { adminKey }) => {
    const served = serveOperations({
      pubsub: hub.pubsub,
      registry: hub.registry,
      location: { kind: "supervisor", id: "test" },
      operations: [fails],
    });
    const send = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${adminKey}`);
      return hub.app.request(path, { ...init, headers });
    };
    /** The id of an answer: the header, which must equal the body's. */
    const idOf = async (response: Response, expectedStatus: number) => {
      const body = await response.json();
      assert.equal(response.status, expectedStatus, JSON.stringify(body));
      const header = response.headers.get("x-request-id");
      assert.ok(header);
      assert.equal(body.requestId ?? body.error?.requestId, header);
      return { id: header, body };
    };
    const callOf = async (id: string) => {
      const response = await send(`/api/v1/calls/${id}`);
      const body = await response.json();
      assert.equal(response.status, 200, JSON.stringify(body));
      return body.call;
    };

    try {
      await t.step("a successful call", async () => {
        const answer = await send("/api/v1/operations/hub.status", { method: "POST" });
        assert.equal(answer.headers.get("x-call-id"), answer.headers.get("x-request-id"));
        const { id } = await idOf(answer, 200);
        const call = await callOf(id);
        assert.deepEqual([call.requestId, call.operation, call.status], [id, "hub.status", "ok"]);
      });

      await t.step("a handler that throws", async () => {
        const { id, body } = await idOf(
          await send("/api/v1/operations/test.fails", { method: "POST" }),
          409,
        );
        assert.equal(body.error.code, "conflict");
        const call = await callOf(id);
        assert.deepEqual([call.operation, call.status, call.errorCode], [
          "test.fails",
          "error",
          "conflict",
        ]);
      });

      await t.step("a validation error, also on a REST route", async () => {
        for (
          const [path, operation] of [
            ["/api/v1/operations/keys.create", "keys.create"],
            ["/api/v1/keys", "keys.create"],
          ]
        ) {
          const { id, body } = await idOf(
            await send(path, { method: "POST", body: '{"name":1}' }),
            400,
          );
          assert.equal(body.error.code, "bad_request");
          const call = await callOf(id);
          assert.deepEqual([call.operation, call.status, call.errorCode], [
            operation,
            "error",
            "bad_request",
          ]);
        }
      });

      await t.step("a client's own x-request-id is recorded on the call, not reused", async () => {
        const answer = await send("/api/v1/operations/hub.status", {
          method: "POST",
          headers: { "x-request-id": "client-abc_1" },
        });
        const { id } = await idOf(answer, 200);
        assert.notEqual(id, "client-abc_1", "the hub issues the id");
        assert.equal((await callOf(id)).clientRequestId, "client-abc_1");
        // Ids are the hub's: a client cannot name (or collide with) another call.
        const again = await send("/api/v1/operations/hub.status", {
          method: "POST",
          headers: { "x-request-id": "client-abc_1" },
        });
        assert.notEqual((await idOf(again, 200)).id, id);
      });

      await t.step("a malformed client id is not recorded", async () => {
        const { id } = await idOf(
          await send("/api/v1/operations/hub.status", {
            method: "POST",
            headers: { "x-request-id": "has space" },
          }),
          200,
        );
        assert.equal("clientRequestId" in await callOf(id), false);
      });

      await t.step("refusals before any call still carry the id in header and body", async () => {
        const unauthorized = await hub.app.request("/api/v1/operations", {
          headers: { "x-request-id": "mine" },
        });
        const { id } = await idOf(unauthorized, 401);
        assert.notEqual(id, "mine");
        const missing = await send(`/api/v1/calls/${id}`);
        assert.equal(missing.status, 404, "no call ran, so none is recorded");
        await missing.body?.cancel();
      });
    } finally {
      await served.close();
    }
  });
});
