import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { logFormatter } from "../../src/logging/mod.ts";

function accessRecord(): LogRecord {
  const properties = {
    method: "GET",
    route: "/api/v1/calls/:requestId",
    status: 200,
    ms: 3.4,
    requestId: "req-1",
    keyPrefix: "alk_0123456789ab",
  };
  return {
    category: ["hub", "http", "access"],
    level: "info",
    timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    rawMessage: "{method} {route} {status} in {ms} ms (request {requestId}, key {keyPrefix})",
    message: [
      "",
      "GET",
      " ",
      "/api/v1/calls/:requestId",
      " ",
      200,
      " in ",
      3.4,
      " ms (request ",
      "req-1",
      ", key ",
      "alk_0123456789ab",
      ")",
    ],
    properties,
  };
}

Deno.test("logFormatter() json: one JSON object per line with the message and every property", () => {
  const line = logFormatter("json")(accessRecord());
  assert.ok(line.endsWith("\n"));
  assert.equal(line.trimEnd().includes("\n"), false, "one line");
  const parsed = JSON.parse(line);
  assert.equal(parsed.level, "INFO");
  assert.equal(parsed.logger, "hub.http.access");
  assert.equal(parsed["@timestamp"], "2026-01-02T03:04:05.006Z");
  assert.deepEqual(parsed.properties, accessRecord().properties);
});

Deno.test("logFormatter() pretty: time, level, logger and the message as a person reads it", () => {
  const line = logFormatter("pretty")(accessRecord());
  assert.match(
    line,
    /^\d\d:\d\d:\d\d\.\d{3} \[INF\] hub·http·access: GET \/api\/v1\/calls\/:requestId 200 in 3\.4 ms \(request req-1, key alk_0123456789ab\)\n$/,
  );
});

Deno.test("logFormatter() scrubs secret-shaped text in both formats", () => {
  const key = `alk_0123456789ab_${"S".repeat(43)}`;
  for (const format of ["json", "pretty"] as const) {
    const record = { ...accessRecord(), message: [`leaked ${key}`], properties: {} };
    const line = logFormatter(format)(record);
    assert.ok(!line.includes("S".repeat(43)), `${format}: ${line}`);
    assert.match(line, /alk_\[redacted\]/);
  }
});
