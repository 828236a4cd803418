import { logger } from "../logging/mod.ts";

/** A listening HTTP server with a bounded graceful shutdown. */
export interface Listener {
  readonly url: string;
  readonly port: number;
  /**
   * Drains, then stops: waits up to `timeoutMs` for the requests being
   * handled (still answering new ones, which the app refuses `503` while
   * the hub stops), then closes the socket and every connection left,
   * upgraded WebSockets included. True if all finished in time.
   */
  close(timeoutMs: number): Promise<boolean>;
}

/** Counts handlers that have not produced their response yet. */
class InFlight {
  #count = 0;
  #idle = Promise.withResolvers<void>();

  async track<T>(work: () => T | Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await work();
    } finally {
      this.#count -= 1;
      if (this.#count === 0) {
        this.#idle.resolve();
        this.#idle = Promise.withResolvers<void>();
      }
    }
  }

  /** Resolves once no handler is running. */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : this.#idle.promise;
  }
}

/** Listens on host:port (port 0 picks a free one) and serves `handler` until closed. */
export function listen(
  host: string,
  port: number,
  handler: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
): Listener {
  const inFlight = new InFlight();
  const server = Deno.serve(
    { hostname: host, port, onListen: () => {} },
    (request, info) => inFlight.track(() => handler(request, info)),
  );
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
      // Deno's shutdown() cuts upgraded WebSockets at once: a spoke answering a call that is
      // being drained must stay connected until that call's handler has answered.
      const drained = await Promise.race([inFlight.idle().then(() => true as const), timedOut]);
      const finished = drained &&
        await Promise.race([server.shutdown().then(() => true as const), timedOut]);
      if (!drained) void server.shutdown();
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
