import type { Context } from "hono";
import { type Caller, type Identity } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { HubEnv } from "../app.ts";

/** Longest `?timeout=` a client may ask for, in ms. */
export const MAX_TIMEOUT_MS = 300_000;

/** The identity of an HTTP request: its verified key. */
export function identityOf(c: Context<HubEnv>): Identity {
  const key = c.var.apiKey;
  return { keyId: key.id, scopes: key.scopes, via: "http" };
}

/** Parses `?timeout=<ms>`: a whole number from 1 to {@linkcode MAX_TIMEOUT_MS}. */
export function timeoutOf(c: Context): number | undefined {
  const text = c.req.query("timeout");
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new HubError(
      "bad_request",
      `Invalid timeout "${text}": expected whole milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
    );
  }
  return ms;
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  "1": true,
  false: false,
  "0": false,
};

/**
 * Parses a boolean query parameter strictly (`true`/`1`, `false`/`0`; absent
 * is `false`): anything else is `bad_request`, never a silent `false`.
 */
export function booleanQuery(c: Context, name: string): boolean {
  const text = c.req.query(name);
  if (text === undefined) return false;
  const value = BOOLEANS[text];
  if (value === undefined) {
    throw new HubError(
      "bad_request",
      `Invalid ${name} "${text.slice(0, 64)}": expected true, false, 1 or 0`,
    );
  }
  return value;
}

/** Reads a JSON body; an empty body is `{}`, malformed JSON is `bad_request`. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HubError("bad_request", `Cannot parse request body: ${(error as Error).message}`);
  }
}

/**
 * Calls an operation for an HTTP request through the call protocol, so it is
 * authorised, validated and recorded like any other call. The call's id is the
 * request's id (`x-request-id`), so whatever the answer, a client finds the
 * call at `GET /api/v1/calls/<id>`; one HTTP request runs at most one call.
 * A client that goes away aborts the call.
 */
export async function callFor(c: Context<HubEnv>, caller: Caller, name: string, input: unknown) {
  const requestId = c.var.requestId;
  c.header("x-call-id", requestId); // the same id, kept for clients that read it
  const output = await caller.call(name, input, {
    identity: identityOf(c),
    requestId,
    clientRequestId: c.var.clientRequestId,
    timeoutMs: timeoutOf(c),
    signal: c.req.raw.signal,
  });
  return { requestId, output };
}
