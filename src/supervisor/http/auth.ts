import type { MiddlewareHandler } from "hono";
import { HubError } from "@hub/errors";
import { apiKeyPrefix, type ApiKeyVerifier, type VerifiedApiKey } from "../../auth/mod.ts";

/** Hono variables set by the bearer middleware. */
export interface AuthVariables {
  apiKey: VerifiedApiKey;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The public prefix of the key an `Authorization` header offers, if it holds a well-formed one. */
export function offeredKeyPrefix(header: string | undefined): string | undefined {
  const match = header ? BEARER.exec(header) : null;
  return match ? apiKeyPrefix(match[1]) : undefined;
}

/** Requires `Authorization: Bearer <api key>`; sets `c.var.apiKey` or answers 401. */
export function bearerAuth<E extends { Variables: AuthVariables }>(
  verifier: () => ApiKeyVerifier,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      throw new HubError("unauthorized", "Missing Authorization header (Bearer <api key>)");
    }
    const match = BEARER.exec(header);
    if (!match) {
      throw new HubError(
        "unauthorized",
        "Authorization header is not of the form Bearer <api key>",
      );
    }
    c.set("apiKey", await verifier().verify(match[1]));
    await next();
  };
}
