/**
 * `bodyReadTimeout`: a request body must arrive in full within a deadline,
 * counted from the moment its headers were read, so a client trickling a
 * body a byte at a time cannot hold a connection and a handler open for as
 * long as it likes. Deno.serve has no such option (nor one for headers).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HubError } from "@hub/errors";

/** Cuts the body of any request not received in full within `timeoutMs`. */
export function bodyReadTimeout(timeoutMs: number): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (body === null) return await next();
    const reader = body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setTimeout(() => {
          const error = new HubError(
            "bad_request",
            `Cannot read request body: it did not arrive in full within ${timeoutMs} ms`,
          );
          controller.error(error);
          reader.cancel(error).catch(() => {});
        }, timeoutMs);
      },
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            clearTimeout(timer);
            controller.close();
          } else controller.enqueue(chunk.value);
        } catch (error) {
          // Already errored by the deadline; otherwise pass the read failure on.
          try {
            controller.error(error);
          } catch { /* errored */ }
        }
      },
      cancel(reason) {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    c.req.raw = new Request(c.req.raw, { body: stream, duplex: "half" } as RequestInit);
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
  };
}
