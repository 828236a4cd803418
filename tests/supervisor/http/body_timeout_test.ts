import assert from "node:assert/strict";
import { Hono } from "hono";
import { bodyReadTimeout } from "../../../src/supervisor/http/body_timeout.ts";
import { sendError } from "../../../src/supervisor/http/errors.ts";

function appWithTimeout(timeoutMs: number) {
  const app = new Hono();
  app.onError((error, c) => sendError(c, error, false));
  app.use(bodyReadTimeout(timeoutMs));
  app.post("/echo", async (c) => c.json({ got: await c.req.text() }));
  app.get("/plain", (c) => c.text("ok"));
  return app;
}

/** A body that sends its first bytes and then nothing more, like a client trickling it. */
function trickle(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":'));
    },
  });
}

Deno.test("bodyReadTimeout() cuts a body that does not arrive in full within the deadline with 400", async () => {
  const app = appWithTimeout(100);
  const response = await app.request("/echo", {
    method: "POST",
    body: trickle(),
    duplex: "half",
  } as RequestInit);
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.error.code, "bad_request");
  assert.match(body.error.message, /did not arrive in full within 100 ms/);
});

Deno.test("bodyReadTimeout() passes a body that arrives in time, and requests without one", async () => {
  const app = appWithTimeout(5_000);
  const response = await app.request("/echo", { method: "POST", body: "hello" });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { got: "hello" });
  assert.equal(await (await app.request("/plain")).text(), "ok");
});
