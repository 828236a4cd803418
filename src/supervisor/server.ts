import { logger } from "../logging/mod.ts";

/** A listening HTTP server with a bounded graceful shutdown. */
export interface Listener {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests up to `timeoutMs`; true if all finished. */
  close(timeoutMs: number): Promise<boolean>;
}

/** Listens on host:port (port 0 picks a free one) and serves `handler` until closed. */
export function listen(
  host: string,
  port: number,
  handler: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
): Listener {
  const server = Deno.serve({ hostname: host, port, onListen: () => {} }, handler);
  const address = server.addr as Deno.NetAddr;
  const shownHost = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const url = `http://${shownHost}:${address.port}`;
  logger("http").info("Listening on {url}", { url });
  return {
    url,
    port: address.port,
    async close(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<false>((resolve) =>
        timer = setTimeout(() => resolve(false), timeoutMs)
      );
      const finished = await Promise.race([server.shutdown().then(() => true as const), timedOut]);
      clearTimeout(timer);
      if (!finished) {
        logger("http").warn("Shutdown deadline of {timeoutMs} ms passed with requests in flight", {
          timeoutMs,
        });
      }
      return finished;
    },
  };
}
