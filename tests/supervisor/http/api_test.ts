import assert from "node:assert/strict";
import Type from "typebox";
import { defineOperation, serveOperations } from "@alkdev/operations";
import { withHub } from "../../helpers/hub.ts";
import { waitFor } from "../../helpers/wait_for.ts";

async function json(response: Response) {
  return { status: response.status, headers: response.headers, body: await response.json() };
}

Deno.test("api: operations are listed and called with the key's scopes, errors coded", async (t) => {
  await withHub(async (hub, { request }) => {
    const { key: opsKey } = await hub.keys.create({ name: "ops", scopes: ["ops"] }, {
      via: "system",
    });

    await t.step(
      "GET /operations lists only what the key may call, with JSON Schemas",
      async () => {
        const admin = await json(await request("/api/v1/operations"));
        const all = admin.body.operations.map((op: { name: string }) => op.name).sort();
        assert.deepEqual(all, [
          "calls.get",
          "hub.status",
          "keys.create",
          "keys.list",
          "keys.revoke",
        ]);
        const ops = await json(await request("/api/v1/operations", { key: opsKey }));
        assert.deepEqual(ops.body.operations.map((op: { name: string }) => op.name).sort(), [
          "calls.get",
          "hub.status",
        ]);
        const status = ops.body.operations.find((op: { name: string }) => op.name === "hub.status");
        assert.equal(status.input.type, "object");
        assert.deepEqual(status.output.required.sort(), [
          "actors",
          "operations",
          "uptimeMs",
          "version",
        ]);
      },
    );

    await t.step("POST /operations/:name calls through the protocol", async () => {
      const { status, body, headers } = await json(
        await request("/api/v1/operations/hub.status", { method: "POST" }),
      );
      assert.equal(status, 200);
      assert.equal(body.output.actors[0].id, "coordinator");
      assert.equal(headers.get("x-call-id"), body.requestId);
    });

    const refusals: Array<[string, string, RequestInit & { key?: string }, number, string]> = [
      ["unknown operation", "/api/v1/operations/no.such", { method: "POST" }, 404, "not_found"],
      [
        "missing scope",
        "/api/v1/operations/keys.list",
        { method: "POST", key: opsKey },
        403,
        "forbidden",
      ],
      [
        "malformed JSON",
        "/api/v1/operations/keys.list",
        { method: "POST", body: "{oops" },
        400,
        "bad_request",
      ],
      [
        "wrong schema",
        "/api/v1/operations/keys.create",
        { method: "POST", body: '{"name":1}' },
        400,
        "bad_request",
      ],
      [
        "bad timeout",
        "/api/v1/operations/hub.status?timeout=abc",
        { method: "POST" },
        400,
        "bad_request",
      ],
      [
        "timeout too long",
        "/api/v1/operations/hub.status?timeout=999999999",
        { method: "POST" },
        400,
        "bad_request",
      ],
    ];
    for (const [name, path, init, status, code] of refusals) {
      await t.step(name, async () => {
        const result = await json(await request(path, init));
        assert.equal(result.status, status, JSON.stringify(result.body));
        assert.equal(result.body.error.code, code);
        assert.equal(result.body.error.requestId, result.headers.get("x-request-id"));
      });
    }

    await t.step("validation errors name their paths", async () => {
      const { body } = await json(
        await request("/api/v1/operations/keys.create", { method: "POST", body: '{"name":1}' }),
      );
      const paths = body.error.details.errors.map((e: { path: string }) => e.path);
      assert.ok(paths.includes("/name"), JSON.stringify(paths));
    });
  });
});

Deno.test("api: a key created over HTTP works at once and stops working everywhere when revoked", async () => {
  await withHub(async (_hub, { request, logs, adminKey }) => {
    const created = await json(
      await request("/api/v1/keys", {
        method: "POST",
        body: JSON.stringify({ name: "ci", scopes: ["events", "ops"] }),
      }),
    );
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("cache-control"), "no-store");
    const { key, record } = created.body;
    assert.equal(record.status, "active");
    assert.ok(!("hash" in record));

    assert.equal(
      (await request("/api/v1/operations/hub.status", { method: "POST", key })).status,
      200,
    );
    const stream = await request("/api/v1/events?topic=probe", { key });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /event: ready/);

    const listed = await json(await request("/api/v1/keys"));
    const row = listed.body.keys.find((k: { id: string }) => k.id === record.id);
    assert.equal(row.prefix, record.prefix);
    assert.ok(!JSON.stringify(listed.body).includes(key.slice(record.prefix.length + 1)));

    const revoked = await json(await request(`/api/v1/keys/${record.id}`, { method: "DELETE" }));
    assert.deepEqual([revoked.status, revoked.body.changed, revoked.body.record.status], [
      200,
      true,
      "revoked",
    ]);

    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
    assert.match(rest, /event: error\ndata: .*unauthorized/, "the open stream is told and closed");
    for (const path of ["/api/v1/operations", "/api/v1/events?topic=probe"]) {
      const refused = await json(await request(path, { key }));
      assert.deepEqual([refused.status, refused.body.error.code], [401, "unauthorized"], path);
    }
    const again = await json(await request(`/api/v1/keys/${record.id}`, { method: "DELETE" }));
    assert.equal(again.body.changed, false);

    const secrets = [key.slice(record.prefix.length + 1), adminKey.slice(17)];
    for (const secret of secrets) {
      assert.ok(!logs.some((line) => line.includes(secret)), "a key is in the logs");
    }
  });
});

Deno.test("api: every call lands in the call graph with its parent", async () => {
  await withHub(async (hub, { request }) => {
    const outer = defineOperation({
      name: "test.outer",
      kind: "query",
      description: "Calls hub.status",
      input: Type.Object({}),
      output: Type.Object({ version: Type.String() }),
      access: { scopes: ["ops"] },
      handler: async (_input, ctx) => {
        const status = await ctx.call("hub.status", {}) as { version: string };
        return { version: status.version };
      },
    });
    const served = serveOperations({
      pubsub: hub.pubsub,
      registry: hub.registry,
      location: { kind: "supervisor", id: "test" },
      operations: [outer],
    });
    try {
      const call = await json(await request("/api/v1/operations/test.outer", { method: "POST" }));
      assert.equal(call.status, 200);
      const tree = await json(await request(`/api/v1/calls/${call.body.requestId}`));
      assert.equal(tree.status, 200);
      assert.equal(tree.body.call.operation, "test.outer");
      assert.equal(tree.body.call.via, "http");
      assert.equal(tree.body.call.status, "ok");
      assert.equal(tree.body.children.length, 1);
      assert.equal(tree.body.children[0].call.operation, "hub.status");
      assert.equal(tree.body.children[0].call.parentRequestId, call.body.requestId);
      const missing = await json(await request("/api/v1/calls/nope"));
      assert.equal(missing.body.error.code, "not_found");
    } finally {
      await served.close();
    }
  });
});

/** Reads SSE frames from a streaming response. */
function sseReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    /** The next frame (`event:`/`data:` lines, or a `:` comment). */
    async next(): Promise<string> {
      while (!buffer.includes("\n\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += value;
      }
      const end = buffer.indexOf("\n\n");
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      return frame;
    },
    cancel: () => reader.cancel(),
  };
}

Deno.test("api: the SSE stream delivers only subscribed, permitted topics, keeps alive, and unsubscribes on disconnect", async (t) => {
  await withHub(
    async (hub, { request }) => {
      const { key: eventsKey } = await hub.keys.create({ name: "ev", scopes: ["events"] }, {
        via: "system",
      });

      await t.step("several topics, scoped by id", async () => {
        const stream = sseReader(
          await request("/api/v1/events?topic=job.done:j1&topic=job.note", { key: eventsKey }),
        );
        assert.match(
          await stream.next(),
          /^event: ready\ndata: {"topics":\["job.done:j1","job.note"\]}/,
        );
        hub.pubsub.publish("job.done", "j2", { n: 0 }); // another id: not sent
        hub.pubsub.publish("job.done", "j1", { n: 1 });
        hub.pubsub.publish("job.note", "any", { n: 2 });
        const first = await stream.next();
        assert.match(first, /^event: job.done\n/);
        assert.deepEqual(JSON.parse(first.split("data: ")[1]).payload, { n: 1 });
        assert.match(await stream.next(), /"payload":{"n":2}/);
        await stream.cancel();
      });

      await t.step("keep-alive comments while idle", async () => {
        const stream = sseReader(await request("/api/v1/events?topic=quiet", { key: eventsKey }));
        await stream.next(); // ready
        assert.equal(await stream.next(), ": keep-alive");
        await stream.cancel();
      });

      await t.step("disconnect releases the subscriptions", async () => {
        const stream = sseReader(await request("/api/v1/events?topic=gone", { key: eventsKey }));
        await stream.next();
        assert.equal(hub.router.listenerCount("gone"), 1);
        await stream.cancel();
        // The server learns of the disconnect asynchronously.
        await waitFor(() => hub.router.listenerCount("gone") === 0, { what: "the unsubscribe" });
      });

      const refusals: Array<[string, string, string, number, string]> = [
        ["no topic", "/api/v1/events", eventsKey, 400, "bad_request"],
        ["a malformed topic", "/api/v1/events?topic=a%20b", eventsKey, 400, "bad_request"],
        ["an admin-only topic", "/api/v1/events?topic=call.responded", eventsKey, 403, "forbidden"],
      ];
      for (const [name, path, key, status, code] of refusals) {
        await t.step(name, async () => {
          const result = await json(await request(path, { key }));
          assert.deepEqual([result.status, result.body.error.code], [status, code]);
        });
      }
    },
    {},
    { sseKeepAliveMs: 50 },
  );
});

Deno.test("api: openapi.json describes the operations the key may call", async () => {
  await withHub(async (hub, { request }) => {
    const { key } = await hub.keys.create({ name: "ops", scopes: ["ops"] }, { via: "system" });
    const { body } = await json(await request("/api/v1/openapi.json", { key }));
    assert.equal(body.openapi, "3.1.0");
    const operationPaths = Object.keys(body.paths).filter((path) =>
      path.startsWith("/api/v1/operations/") && !path.includes("{")
    );
    assert.deepEqual(operationPaths.sort(), [
      "/api/v1/operations/calls.get",
      "/api/v1/operations/hub.status",
    ]);
    const post = body.paths["/api/v1/operations/calls.get"].post;
    assert.deepEqual(post.requestBody.content["application/json"].schema.required, ["requestId"]);
    assert.equal(body.components.securitySchemes.bearer.scheme, "bearer");
  });
});

Deno.test("api: a client that disconnects aborts its call, down to the handler's signal", async () => {
  await withHub(async (hub, { request }) => {
    const started = Promise.withResolvers<void>();
    const aborted = Promise.withResolvers<string>();
    const wait = defineOperation({
      name: "test.wait",
      kind: "query",
      description: "Waits until aborted",
      input: Type.Object({}),
      output: Type.Object({}),
      access: { scopes: ["ops"] },
      handler: (_input, ctx) => {
        started.resolve();
        return new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => {
            aborted.resolve(String(ctx.signal.reason));
            reject(ctx.signal.reason);
          });
        });
      },
    });
    const served = serveOperations({
      pubsub: hub.pubsub,
      registry: hub.registry,
      location: { kind: "supervisor", id: "test" },
      operations: [wait],
    });
    try {
      const client = new AbortController();
      const response = request("/api/v1/operations/test.wait", {
        method: "POST",
        signal: client.signal,
      });
      await started.promise;
      client.abort();
      await assert.rejects(response);
      assert.ok((await aborted.promise).length > 0, "the handler saw the abort");
    } finally {
      await served.close();
    }
  });
});
