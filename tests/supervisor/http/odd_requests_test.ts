/** Requests that used to answer oddly: each gets the hub's error body with a fitting status. */
import assert from "node:assert/strict";
import { withHub } from "../../helpers/hub.ts";

Deno.test("odd requests: strict flags, one-colon topics, 405 with Allow, control characters", async (t) => {
  await withHub(async (hub, { adminKey }) => {
    const send = (path: string, init: RequestInit = {}) =>
      hub.app.request(path, { ...init, headers: { authorization: `Bearer ${adminKey}` } });
    const refused = async (response: Response, status: number, code: string) => {
      const body = await response.json();
      assert.deepEqual([response.status, body.error.code], [status, code], JSON.stringify(body));
      assert.equal(body.error.requestId, response.headers.get("x-request-id"));
      return body.error.message as string;
    };

    await t.step("?includeRevoked takes true/false/1/0 and refuses anything else", async () => {
      const { record } = await hub.keys.create({ name: "gone", scopes: ["ops"] }, {
        via: "system",
      });
      await hub.keys.revoke(record.id, { via: "system" });
      const listed = async (query: string) => {
        const response = await send(`/api/v1/keys${query}`);
        assert.equal(response.status, 200);
        const { keys } = await response.json();
        return keys.some((key: { id: string }) => key.id === record.id);
      };
      assert.deepEqual(
        [await listed(""), await listed("?includeRevoked=true"), await listed("?includeRevoked=1")],
        [false, true, true],
      );
      assert.deepEqual(
        [await listed("?includeRevoked=false"), await listed("?includeRevoked=0")],
        [false, false],
      );
      const message = await refused(
        await send("/api/v1/keys?includeRevoked=yes"),
        400,
        "bad_request",
      );
      assert.match(message, /^Invalid includeRevoked "yes": expected true, false, 1 or 0$/);
    });

    await t.step("a topic with more than one colon is refused, named", async () => {
      const message = await refused(
        await send("/api/v1/events?topic=a:b:c"),
        400,
        "bad_request",
      );
      assert.match(message, /"a:b:c"/);
      assert.match(message, /expected type or type:id/);
    });

    await t.step("another method on an existing route is 405 with Allow", async () => {
      const cases: Array<[string, string, string]> = [
        ["GET", "/api/v1/operations/hub.status", "POST"],
        ["PUT", "/api/v1/operations", "GET"],
        ["POST", "/api/v1/calls/some-id", "GET"],
        ["PATCH", "/api/v1/keys", "GET, POST"],
        ["GET", "/api/v1/keys/some-id", "DELETE"],
        ["POST", "/api/v1/events", "GET"],
        ["DELETE", "/api/v1/openapi.json", "GET"],
        ["POST", "/api/v1/spokes", "GET"],
        ["POST", "/api/v1/usage", "GET"],
      ];
      for (const [method, path, allow] of cases) {
        const response = await send(path, { method });
        assert.equal(response.headers.get("allow"), allow, `${method} ${path}`);
        const message = await refused(response, 405, "method_not_allowed");
        assert.equal(message, `Cannot ${method} ${path}: the route allows ${allow}`);
      }
      // The allowed method still works, and a route that does not exist stays 404.
      assert.equal((await send("/api/v1/operations/hub.status", { method: "POST" })).status, 200);
      await refused(await send("/api/v1/nope"), 404, "not_found");
    });

    await t.step("a call id with a NUL is bad_request, not a 500", async () => {
      const message = await refused(await send("/api/v1/calls/%00"), 400, "bad_request");
      assert.match(message, /requestId/);
    });
  });
});
