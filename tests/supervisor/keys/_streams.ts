/**
 * Helpers of the key tests: an MCP client whose GET event stream can be
 * watched, and a promise with a failure deadline.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The official MCP client, and a promise that resolves when its GET event stream ends. */
export async function mcpWithStream(url: string, key: string) {
  const streamOpen = Promise.withResolvers<void>();
  const streamEnded = Promise.withResolvers<void>();
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    reconnectionOptions: {
      maxRetries: 0,
      initialReconnectionDelay: 10,
      maxReconnectionDelay: 10,
      reconnectionDelayGrowFactor: 1,
    },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== "GET" || !response.ok || !response.body) return response;
      const [mine, watched] = response.body.tee();
      streamOpen.resolve();
      (async () => {
        for await (const _ of watched) { /* drain */ }
      })().catch(() => {}).finally(() => streamEnded.resolve());
      return new Response(mine, response);
    },
  });
  const client = new Client({ name: "key-watch", version: "0.0.0" });
  await client.connect(transport);
  await streamOpen.promise;
  return { client, streamEnded: streamEnded.promise };
}

/** `promise`, or a failure naming `what` once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) =>
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
