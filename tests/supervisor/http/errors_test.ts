import assert from "node:assert/strict";
import { Hono } from "hono";
import { HubError } from "@hub/errors";
import { sendError } from "../../../src/supervisor/http/errors.ts";

function appThrowing(thrown: unknown) {
  const app = new Hono();
  app.get("/", () => {
    throw thrown;
  });
  app.onError((error, c) => sendError(c, error));
  return app;
}

Deno.test("sendError() answers a database outage 503 unavailable with Retry-After", async (t) => {
  await t.step("a driver error of an unreachable server", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });
    const thrown = new Error("Failed query: select secret from t\nparams: s3cret", {
      cause: refused,
    });
    const response = await appThrowing(thrown).request("/");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    const body = await response.json();
    assert.equal(body.error.code, "unavailable");
    assert.doesNotMatch(body.error.message, /s3cret|select/);
  });

  await t.step("a HubError unavailable gets Retry-After too", async () => {
    const response = await appThrowing(new HubError("unavailable", "Hub is starting")).request("/");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
  });

  await t.step("any other error stays as it was", async () => {
    const response = await appThrowing(new Error("boom")).request("/");
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("retry-after"), null);
  });
});
