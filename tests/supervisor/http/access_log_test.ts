/** Access lines and refusal warnings, read back from the hub's captured JSON log lines. */
import assert from "node:assert/strict";
import { withHub } from "../../helpers/hub.ts";

interface JsonRecord {
  level: string;
  logger: string;
  message: string;
  properties: Record<string, unknown>;
}

/** The records logged since `from` (an index into the captured lines) on one logger. */
function recordsOf(logs: string[], logger: string, from = 0): JsonRecord[] {
  return logs.slice(from).map((line) => JSON.parse(line) as JsonRecord).filter((record) =>
    record.logger === logger
  );
}

Deno.test("access log: one line per request with method, route, status, ms, request id and key prefix", async (t) => {
  await withHub(async (hub, { adminKey, logs }) => {
    const auth = { authorization: `Bearer ${adminKey}` };
    const adminPrefix = adminKey.slice(0, "alk_".length + 12);

    await t.step("a call logs its route pattern and the key's prefix, never the key", async () => {
      const from = logs.length;
      const response = await hub.app.request("/api/v1/calls/no-such-call", {
        headers: { ...auth, "x-request-id": "req-access-1" },
      });
      assert.equal(response.status, 404);
      const [line, ...more] = recordsOf(logs, "hub.http.access", from);
      assert.deepEqual(more, []);
      assert.equal(line.level, "INFO");
      assert.equal(line.properties.method, "GET");
      assert.equal(line.properties.route, "/api/v1/calls/:requestId");
      assert.equal(line.properties.status, 404);
      assert.equal(typeof line.properties.ms, "number");
      assert.equal(line.properties.requestId, response.headers.get("x-request-id"));
      assert.equal(line.properties.clientRequestId, "req-access-1");
      assert.equal(line.properties.keyPrefix, adminPrefix);
      // JSON lines render string values quoted (logtape's JSON formatter).
      assert.match(line.message, /^"GET" "\/api\/v1\/calls\/:requestId" 404 in [\d.]+ ms/);
      const secret = adminKey.slice(adminPrefix.length + 1);
      assert.ok(!logs.slice(from).some((text) => text.includes(secret)), "the key leaked");
    });

    await t.step("a request no route matches logs its path", async () => {
      const from = logs.length;
      await hub.app.request("/nowhere/at/all", { headers: auth });
      const [line] = recordsOf(logs, "hub.http.access", from);
      assert.equal(line.properties.route, "/nowhere/at/all");
      assert.equal(line.properties.status, 404);
    });

    await t.step("a refused key is warned about with its prefix, not its secret", async () => {
      const offered = `alk_000000000000_${"Z".repeat(43)}`;
      const from = logs.length;
      const response = await hub.app.request("/api/v1/operations", {
        headers: { authorization: `Bearer ${offered}` },
      });
      assert.equal(response.status, 401);
      const [warning, ...more] = recordsOf(logs, "hub.http", from);
      assert.deepEqual(more, []);
      assert.equal(warning.level, "WARN");
      assert.equal(warning.properties.keyPrefix, "alk_000000000000");
      assert.equal(warning.properties.status, 401);
      assert.equal(warning.properties.route, "/api/v1/operations");
      assert.match(
        warning.message,
        /^Refused key "alk_000000000000" on "GET" .* 401: "Invalid API key/,
      );
      assert.equal(recordsOf(logs, "hub.http.access", from).length, 1, "and an access line");
      assert.ok(!logs.slice(from).some((text) => text.includes("Z".repeat(43))), "the key leaked");
    });

    await t.step("a request without a key is warned about too", async () => {
      const from = logs.length;
      await hub.app.request("/api/v1/operations");
      const [warning] = recordsOf(logs, "hub.http", from);
      assert.match(warning.message, /^Refused a request without a valid key on "GET"/);
      assert.equal(warning.properties.keyPrefix, undefined);
    });

    await t.step("a key without the scope (403) is warned about", async () => {
      const { key } = await hub.keys.create({ name: "narrow", scopes: ["ops"] }, {
        via: "system",
      });
      const from = logs.length;
      const response = await hub.app.request("/api/v1/operations/keys.list", {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(response.status, 403);
      const [warning] = recordsOf(logs, "hub.http", from);
      assert.equal(warning.level, "WARN");
      assert.equal(warning.properties.keyPrefix, key.slice(0, adminPrefix.length));
      assert.equal(warning.properties.route, "/api/v1/operations/:name");
    });

    await t.step("a 5xx answer is warned about, with its reason", async () => {
      await hub.stop(); // a stopping hub refuses API routes with 503
      const from = logs.length;
      const response = await hub.app.request("/api/v1/operations", { headers: auth });
      assert.equal(response.status, 503);
      const [warning, ...more] = recordsOf(logs, "hub.http", from);
      assert.deepEqual(more, []);
      assert.equal(warning.level, "WARN");
      assert.equal(warning.properties.route, "/api/v1/operations");
      assert.equal(warning.properties.reason, "Hub is shutting down");
    });
  });
});
