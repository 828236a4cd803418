import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { toHubError } from "@hub/errors";
import { logger } from "../../logging/mod.ts";
import { type AuthVariables, offeredKeyPrefix } from "./auth.ts";

/** Options of {@linkcode accessLog}. */
export interface AccessLogOptions {
  /** Write the info line per request; refusals and 5xx are warned about either way. */
  lines: boolean;
}

/** What one access line holds; the key appears only as its public prefix. */
export interface AccessRecord extends Record<string, unknown> {
  method: string;
  /** The route pattern that answered (`/api/v1/calls/:requestId`), or the path when none matched. */
  route: string;
  status: number;
  /** Until the response headers (a stream's body may flow for longer). */
  ms: number;
  requestId?: string;
  /** The client's own `x-request-id`, when it sent a well-formed one. */
  clientRequestId?: string;
  keyPrefix?: string;
}

const access = logger("http", "access");
const http = logger("http");

/**
 * One `info` line per request on the `hub.http.access` logger, and a warning
 * for a refused key (401/403) or any 5xx answer. Installed after the request-id
 * middleware and before everything else, so refusals and errors are seen too.
 */
export function accessLog<E extends { Variables: AuthVariables & { requestId: string } }>(
  options: AccessLogOptions,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const started = performance.now();
    // Read the request first: a WebSocket upgrade consumes it, and reading it afterwards throws.
    const request = {
      method: c.req.method,
      path: c.req.path,
      offeredPrefix: offeredKeyPrefix(c.req.header("authorization")),
    };
    await next();
    const record = accessRecord(c, request, performance.now() - started);
    if (options.lines) {
      const key = record.keyPrefix ? ", key {keyPrefix}" : "";
      access.info(`{method} {route} {status} in {ms} ms (request {requestId}${key})`, record);
    }
    warnIfRefusedOrFailed(c, record);
  };
}

interface RequestFacts {
  method: string;
  path: string;
  offeredPrefix: string | undefined;
}

function accessRecord(c: Context, request: RequestFacts, elapsed: number): AccessRecord {
  const verified = c.get("apiKey") as AuthVariables["apiKey"] | undefined;
  return {
    method: request.method,
    route: routePattern(c, request.path),
    status: c.res.status,
    ms: Math.round(elapsed * 10) / 10,
    requestId: c.get("requestId") as string | undefined,
    ...(c.get("clientRequestId") ? { clientRequestId: c.get("clientRequestId") as string } : {}),
    keyPrefix: verified?.prefix ?? request.offeredPrefix,
  };
}

// Middleware is registered on `*` patterns; the last other match is the route
// that answered (or would have, had a middleware not refused first).
function routePattern(c: Context, path: string): string {
  const route = matchedRoutes(c).findLast((candidate) => !candidate.path.endsWith("*"));
  return route?.path ?? path;
}

function warnIfRefusedOrFailed(c: Context, record: AccessRecord): void {
  const { status } = record;
  const reason = c.error ? toHubError(c.error).message : undefined;
  if (status === 401 || status === 403) {
    const who = record.keyPrefix ? "key {keyPrefix}" : "a request without a valid key";
    http.warn(
      `Refused ${who} on {method} {route} with {status}: {reason}`,
      { ...record, reason: reason ?? "no reason given" },
    );
  } else if (status >= 500 && record.route !== "/health") {
    // `/health` answers 503 by design while starting, stopping or degraded.
    http.warn("Answered {status} to {method} {route}: {reason}", {
      ...record,
      reason: reason ?? "no reason given",
    });
  }
}
