import type { MiddlewareHandler } from "hono";
import { HubError } from "@hub/errors";
import type { ApiKeyVerifier, VerifiedApiKey } from "../../auth/mod.ts";

/** Hono variables set by the bearer middleware. */
export interface AuthVariables {
  apiKey: VerifiedApiKey;
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
    const match = /^Bearer\s+(\S+)$/i.exec(header);
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
