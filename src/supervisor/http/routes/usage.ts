import { Hono } from "hono";
import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { type LlmGateway, queryUsage, type UsageCursor } from "../../llm_gateway/mod.ts";
import type { HubEnv } from "../app.ts";
import { methodNotAllowed } from "../errors.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest range one query may aggregate (a quarter): longer ones scan too much at once. */
export const MAX_USAGE_RANGE_DAYS = 92;
/** Groups per page at most, and by default. */
export const MAX_USAGE_PAGE = 1000;

/**
 * `GET /api/v1/usage?from=&to=&keyId=&model=&limit=&cursor=`: LLM usage
 * aggregated by key and model over `[from, to)` (ISO 8601; the last 24 hours
 * by default, at most 92 days), one page of `limit` groups (≤ 1000) in key
 * and model order; `nextCursor` fetches the next. An admin sees every key;
 * any other key sees only its own usage. Reads what is written: records
 * still queued (up to the recorder's 500 ms) appear on a later read.
 */
export function usageRoutes(gateway: () => LlmGateway | undefined): Hono<HubEnv> {
  const routes = new Hono<HubEnv>();
  routes.get("/usage", async (c) => {
    const g = gateway();
    if (!g) throw new HubError("unavailable", "The LLM gateway is not running");
    const key = c.var.apiKey;
    const admin = hasScope(key.scopes, "admin");
    if (!admin && !key.scopes.some((s) => s === "llm" || s.startsWith("llm:"))) {
      throw new HubError("forbidden", "Cannot read usage: the key has no llm scope");
    }
    const to = dateParam(c.req.query("to"), "to") ?? new Date();
    const from = dateParam(c.req.query("from"), "from") ?? new Date(to.getTime() - DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new HubError("bad_request", "Invalid usage range: `from` is after `to`");
    }
    if (to.getTime() - from.getTime() > MAX_USAGE_RANGE_DAYS * DAY_MS) {
      throw new HubError(
        "bad_request",
        `Invalid usage range: at most ${MAX_USAGE_RANGE_DAYS} days from \`from\` to \`to\``,
      );
    }
    const requested = c.req.query("keyId");
    if (!admin && requested !== undefined && requested !== key.id) {
      throw new HubError("forbidden", "Cannot read usage of another key without scope admin");
    }
    const page = await queryUsage(g.db, {
      from,
      to,
      keyId: admin ? requested : key.id,
      model: c.req.query("model"),
      limit: limitParam(c.req.query("limit")),
      after: cursorParam(c.req.query("cursor")),
    });
    return c.json({
      from: from.toISOString(),
      to: to.toISOString(),
      usage: page.groups,
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });
  routes.all("/usage", methodNotAllowed("GET"));
  return routes;
}

function dateParam(text: string | undefined, name: string): Date | undefined {
  if (text === undefined || text === "") return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new HubError(
      "bad_request",
      `Invalid ${name} "${text.slice(0, 64)}": expected an ISO 8601 time`,
    );
  }
  return date;
}

function limitParam(text: string | undefined): number {
  if (text === undefined || text === "") return MAX_USAGE_PAGE;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_USAGE_PAGE) {
    throw new HubError(
      "bad_request",
      `Invalid limit "${text.slice(0, 16)}": expected an integer from 1 to ${MAX_USAGE_PAGE}`,
    );
  }
  return limit;
}

/** A cursor is the page's last group, base64url JSON: opaque to clients. */
function encodeCursor(cursor: UsageCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([cursor.keyId, cursor.model]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function cursorParam(text: string | undefined): UsageCursor | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const json = new TextDecoder("utf-8", { fatal: true })
      .decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    const [keyId, model] = JSON.parse(json);
    if (typeof keyId === "string" && typeof model === "string") return { keyId, model };
  } catch { /* answered below */ }
  throw new HubError("bad_request", "Invalid cursor: use the nextCursor of a previous page");
}
