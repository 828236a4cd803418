/**
 * The floor of the hub's HTTP edge: a Hono app with the same middleware the
 * hub puts in front of every call (request id, bearer key hashed and compared
 * in constant time, body limit) whose one route echoes its JSON body — no
 * operations, no validation, no call graph. Measured in the same run as the
 * hub, it shows what the framework and auth cost before any hub code runs.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";

/** A running floor app. */
export interface HonoFloor {
  /** URL of its echo route. */
  url: string;
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** Serves the floor app on a loopback port, accepting `Bearer <apiKey>`. */
export function startHonoFloor(apiKey: string): HonoFloor {
  const expected = sha256(apiKey);
  const app = new Hono();
  app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
  app.use("*", async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (!match || !timingSafeEqual(sha256(match[1]), expected)) {
      return c.json({ error: { code: "unauthorized" } }, 401);
    }
    await next();
  });
  app.use("*", bodyLimit({ maxSize: 1 << 20 }));
  app.post("/api/v1/operations/:name", async (c) => {
    const input = JSON.parse(await c.req.text());
    return c.json({ requestId: crypto.randomUUID(), output: input });
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/v1/operations/echo`,
    close: () => server.shutdown(),
  };
}
