/**
 * The floor of any gateway built like the hub: a bare `Deno.serve` that hands
 * each request to a Worker over a `MessageChannel`, where `fetch` calls the
 * upstream, and writes the answer back — no auth, no routing, no limits, no
 * usage record. Measured in the same run as the hub, it shows how much of the
 * gap to calling the upstream directly is the architecture's and how much the
 * hub's own.
 *
 * @module
 */

/** A running bare proxy. */
export interface BareProxy {
  /** Chat completions URL of the proxy. */
  url: string;
  close(): Promise<void>;
}

/** Starts a bare proxy in this process forwarding every POST to `upstream`. */
export function startBareProxy(upstream: string): BareProxy {
  const worker = new Worker(new URL("./_bare_proxy_worker.ts", import.meta.url), {
    type: "module",
  });
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ upstream, port: port2 }, [port2]);
  const waiting = new Map<number, (answer: { status: number; body: ArrayBuffer }) => void>();
  let nextId = 1;
  port1.onmessage = ({ data }) => {
    waiting.get(data.id)?.(data);
    waiting.delete(data.id);
  };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    const id = nextId++;
    const answer = await new Promise<{ status: number; body: ArrayBuffer }>((resolve) => {
      waiting.set(id, resolve);
      port1.postMessage({ id, body });
    });
    return new Response(answer.body, {
      status: answer.status,
      headers: { "content-type": "application/json" },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1/chat/completions`,
    async close() {
      await server.shutdown();
      port1.close();
      worker.terminate();
    },
  };
}
