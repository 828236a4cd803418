import assert from "node:assert/strict";
import { logger, setupLogging } from "../../src/logging/mod.ts";

Deno.test("logging redacts secrets by field name and by shape, in JSON and pretty lines", async (t) => {
  for (const format of ["json", "pretty"] as const) {
    await t.step(`${format} lines`, async () => {
      const lines: string[] = [];
      await setupLogging({
        format,
        write: (line) => lines.push(line),
        properties: { actorId: "a-1" },
      });
      const key = "alk_0123456789ab_" + "S".repeat(43);
      logger("test").info("Got {apiKey} and {password}", {
        apiKey: "plain-secret-1",
        password: "hunter2",
      });
      logger("test").info(`Header was Bearer ${key} for postgres://hub:pw123@db:5432/hub`);
      logger("test").info("Upstream key {value}", { value: "sk-abcdefghijklmnop" });
      const text = lines.join("");
      for (
        const secret of [
          "plain-secret-1",
          "hunter2",
          "S".repeat(43),
          "pw123",
          "sk-abcdefghijklmnop",
        ]
      ) {
        assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
      }
      assert.match(text, /a-1/, "the actor id is on every record");
      assert.equal(lines.length, 3);
      if (format === "json") { for (const line of lines) JSON.parse(line); }
    });
  }
});
