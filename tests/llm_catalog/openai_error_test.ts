import assert from "node:assert/strict";
import { ERROR_CODES, ERROR_MAP, HubError } from "@hub/errors";
import { llmError, OPENAI_ERRORS, toOpenAiError } from "../../src/llm_catalog/mod.ts";

Deno.test("toOpenAiError() answers every hub code with its HTTP status and a type from the table", () => {
  const types = new Set([
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "rate_limit_error",
    "server_error",
  ]);
  for (const code of ERROR_CODES) {
    const { status, body } = toOpenAiError(new HubError(code, `Cannot test: ${code}`));
    assert.equal(status, ERROR_MAP[code].http, code);
    assert.ok(types.has(body.error.type), `${code}: ${body.error.type}`);
    assert.equal(body.error.code, OPENAI_ERRORS[code].code);
    assert.deepEqual([body.error.message, body.error.param], [`Cannot test: ${code}`, null]);
  }
});

Deno.test("toOpenAiError() answers details.reason as code and details.param as param", () => {
  const answer = toOpenAiError(
    llmError("bad_request", "Cannot parse request body: x", { reason: "invalid_json" }),
  );
  assert.deepEqual(answer, {
    status: 400,
    body: {
      error: {
        message: "Cannot parse request body: x",
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    },
  });
  const missing = toOpenAiError(
    llmError("not_found", "no such model", { reason: "model_not_found", param: "model" }),
  );
  assert.deepEqual(
    [missing.status, missing.body.error.type, missing.body.error.code, missing.body.error.param],
    [404, "invalid_request_error", "model_not_found", "model"],
  );
  // Details that are not strings (a list of problems) never become the code.
  const listed = toOpenAiError(new HubError("bad_request", "x", { details: { reason: [1] } }));
  assert.equal(listed.body.error.code, "invalid_request");
});
