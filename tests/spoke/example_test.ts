/**
 * Runs `examples/spoke.ts` — the example of docs/spokes.md — as its own
 * process against a real hub (storage, key service, call graph): it
 * registers, serves over HTTP, dies mid-call under SIGKILL, and a restarted
 * copy serves again without anything done on the hub.
 */
import assert from "node:assert/strict";
import { withHub } from "../helpers/hub.ts";

const EXAMPLE = new URL("../../examples/spoke.ts", import.meta.url).pathname;

interface ExampleProcess {
  child: Deno.ChildProcess;
  /** Resolves with the first stdout JSON line whose `type` is `type`. */
  event(type: string): Promise<Record<string, unknown>>;
}

function startExample(url: string, apiKey: string): ExampleProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", EXAMPLE],
    env: { HUB_URL: url, HUB_SPOKE_KEY: apiKey, SPOKE_NAME: "example", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const seen: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (event: Record<string, unknown>) => void }[] = [];
  (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        const event = JSON.parse(line);
        const waiter = waiters.find((w) => w.type === event.type);
        if (waiter) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        } else seen.push(event);
      }
    }
  })();
  return {
    child,
    event(type) {
      const index = seen.findIndex((event) => event.type === type);
      if (index >= 0) return Promise.resolve(seen.splice(index, 1)[0]);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

Deno.test("the example spoke serves a real hub, dies mid-call, and a restart serves again", async () => {
  await withHub(async (hub, ctx) => {
    const { key } = await hub.keys.create({
      name: "example spoke",
      scopes: ["spoke"],
      metadata: { spokeNamespaces: ["demo"] },
    }, { via: "system" });
    const wsUrl = hub.url.replace(/^http/, "ws") + "/ws";
    const call = async (name: string, input: unknown, timeoutMs = 20_000) => {
      const response = await ctx.request(`/api/v1/operations/${name}?timeout=${timeoutMs}`, {
        method: "POST",
        body: JSON.stringify(input),
      });
      return { status: response.status, body: await response.json() };
    };

    const first = startExample(wsUrl, key);
    const registered = await first.event("registered");
    assert.deepEqual(registered.operations, ["demo.greet", "demo.wait"]);

    const greeting = await call("demo.greet", { name: "Ada" });
    assert.equal(greeting.status, 200, JSON.stringify(greeting.body));
    assert.equal(greeting.body.output.greeting, "Hello, Ada!");
    // The call graph names the spoke that ran the call (it observes the bus on its own
    // subscriptions, so the end may be recorded just after the answer).
    const treeOf = async () =>
      await (await ctx.request(`/api/v1/calls/${greeting.body.requestId}`)).json();
    let tree = await treeOf();
    for (let i = 0; i < 100 && tree.call?.status !== "ok"; i++) tree = await treeOf();
    assert.equal(tree.call.location, "spokes");
    assert.equal(tree.call.runner, registered.spokeId);
    assert.equal(tree.call.status, "ok");

    // Killed mid-call: the caller hears `unavailable` long before its 20 s deadline.
    const progress = hub.pubsub.subscribe("call.progress");
    const running = progress.next();
    const pending = call("demo.wait", { ms: 30_000 });
    await running; // the handler runs and reports progress
    await progress.return(undefined);
    first.child.kill("SIGKILL");
    await first.child.status;
    const killed = await pending;
    assert.equal(killed.status, 503, JSON.stringify(killed.body));
    assert.equal(killed.body.error.code, "unavailable");
    assert.equal(hub.registry.get("demo.greet"), undefined);

    // A restarted spoke serves again; nothing was done on the hub in between.
    const second = startExample(wsUrl, key);
    await second.event("registered");
    const again = await call("demo.greet", { name: "Grace" });
    assert.equal(again.status, 200);
    assert.equal(again.body.output.greeting, "Hello, Grace!");

    // SIGTERM: a graceful close; the hub forgets its operations, the process exits 0.
    const gone = new Promise<void>((resolve) => {
      const stop = hub.registry.onChange((changes) => {
        if (changes.some((c) => c.type === "removed" && c.name === "demo.greet")) {
          stop();
          resolve();
        }
      });
    });
    second.child.kill("SIGTERM");
    assert.equal((await second.child.status).code, 0);
    await gone;
  });
});
