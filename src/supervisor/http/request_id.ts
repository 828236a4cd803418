/**
 * One id per HTTP request, issued by the hub. It is the `x-request-id` of
 * every answer, the `requestId` of every body, and — on a route that runs an
 * operation — the id of that call in the call graph, so a client can follow
 * any answer to `GET /api/v1/calls/<id>`.
 *
 * A client's own `x-request-id` never becomes the id: ids key the call graph,
 * and one a client could choose would let it collide with another call (or
 * with its own retry). It is kept as `clientRequestId` and recorded on the call.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** The header that carries the id both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a client's id may look like to be recorded (hono's rule, at most 128 characters). */
const CLIENT_REQUEST_ID = /^[\w\-=]{1,128}$/;

/** Hono variables set by {@linkcode requestIds}. */
export interface RequestIdVariables {
  /** The hub's id of this request (and of the call it runs). */
  requestId: string;
  /** The client's own `x-request-id`, when it sent a well-formed one. */
  clientRequestId?: string;
}

/** Issues the request id, keeps the client's, and answers with `x-request-id`. */
export function requestIds<E extends { Variables: RequestIdVariables }>(): MiddlewareHandler<E> {
  return async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    const sent = c.req.header(REQUEST_ID_HEADER);
    if (sent !== undefined && CLIENT_REQUEST_ID.test(sent)) c.set("clientRequestId", sent);
    c.header(REQUEST_ID_HEADER, requestId);
    await next();
    // A route that built its own Response (a stream, a proxied body) skipped the header above.
    if (!c.res.headers.has(REQUEST_ID_HEADER)) {
      try {
        c.res.headers.set(REQUEST_ID_HEADER, requestId);
      } catch {
        // Immutable headers (a fetched Response passed through as is): leave them be.
      }
    }
  };
}
