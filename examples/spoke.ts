/**
 * A complete spoke: two operations, offered to a hub until Ctrl-C.
 *
 * ```sh
 * HUB_URL=ws://127.0.0.1:3000/ws HUB_SPOKE_KEY=alk_... deno run -A examples/spoke.ts
 * ```
 *
 * `docs/spokes.md` walks through it; `tests/spoke/example_test.ts` runs it.
 *
 * @module
 */
import Type from "typebox";
import { defineOperation, HubError } from "@alkdev/operations";
import { connectSpoke, reportProgress } from "../src/spoke/mod.ts";

/** `demo.greet`: a query any key with `ops:demo` may call. */
export const greet = defineOperation({
  name: "demo.greet",
  kind: "query",
  description: "Greets someone by name",
  input: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
  output: Type.Object({ greeting: Type.String(), host: Type.String() }),
  access: { scopes: ["ops:demo"] },
  handler: ({ name }) => ({ greeting: `Hello, ${name}!`, host: Deno.hostname() }),
});

/** `demo.wait`: waits `ms`, reporting progress, and stops early when its call is aborted. */
export const wait = defineOperation({
  name: "demo.wait",
  kind: "mutation",
  description: "Waits for a while, reporting progress every 100 ms",
  input: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 60_000 }) }),
  output: Type.Object({ waited: Type.Integer() }),
  access: { scopes: ["ops:demo"] },
  handler: async ({ ms }, ctx) => {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      reportProgress(ctx, { waited: Date.now() - started, of: ms });
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, ms)));
    }
    if (ctx.signal.aborted) throw new HubError("aborted", "Wait was aborted");
    return { waited: Date.now() - started };
  },
});

if (import.meta.main) {
  const url = Deno.env.get("HUB_URL") ?? "ws://127.0.0.1:3000/ws";
  const apiKey = Deno.env.get("HUB_SPOKE_KEY");
  if (!apiKey) {
    console.error("spoke: Cannot start: set HUB_SPOKE_KEY to an API key with the spoke scope");
    Deno.exit(2);
  }
  const stop = new AbortController();
  Deno.addSignalListener("SIGINT", () => stop.abort());
  Deno.addSignalListener("SIGTERM", () => stop.abort());
  const spoke = connectSpoke({
    url,
    apiKey,
    name: Deno.env.get("SPOKE_NAME") ?? `example-${Deno.hostname()}`,
    version: "1.0.0",
    operations: [greet, { operation: wait, maxInFlight: 2 }],
    maxInFlight: 8,
    signal: stop.signal,
    // One JSON line per connection event (registered, disconnected, reconnecting, error, closed).
    onEvent: (event) =>
      console.log(
        JSON.stringify(event.type === "error" ? { ...event, error: event.error.message } : event),
      ),
  });
  await spoke.closed;
}
