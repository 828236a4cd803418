import { HubError, isErrorCode } from "@hub/errors";
import type { ApiKeyRecord, CreateApiKeyInput, CreatedApiKey, RevokeResult } from "../auth/mod.ts";
import type { KeyStore } from "./keys_store.ts";

/** A running hub's API and the admin key to call it with. */
export interface HubTarget {
  readonly url: string;
  readonly adminKey: string;
}

/**
 * The `keys` commands over a running hub's HTTP API (`/api/v1/keys`): what a
 * hub that holds the embedded database — or one on another machine — offers.
 */
export function httpKeyStore(target: HubTarget): KeyStore {
  const call = (what: string, path: string, init: RequestInit = {}) =>
    request(target, { what, path, init });
  return {
    async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
      const body = JSON.stringify(input);
      const created = await call("create API key", "/api/v1/keys", { method: "POST", body });
      return { key: created.key as string, record: recordFromJson(created.record) };
    },
    async list({ includeRevoked }): Promise<ApiKeyRecord[]> {
      const listed = await call("list API keys", `/api/v1/keys?includeRevoked=${includeRevoked}`);
      return (listed.keys as unknown[]).map(recordFromJson);
    },
    async revoke(id: string): Promise<RevokeResult> {
      const path = `/api/v1/keys/${encodeURIComponent(id)}`;
      const revoked = await call(`revoke API key "${id}"`, path, { method: "DELETE" });
      return { record: recordFromJson(revoked.record), changed: revoked.changed === true };
    },
  };
}

interface Call {
  /** What the command does, for error messages: `list API keys`. */
  readonly what: string;
  readonly path: string;
  readonly init: RequestInit;
}

async function request(target: HubTarget, call: Call): Promise<Record<string, unknown>> {
  const where = `the hub at ${target.url}`;
  let response: Response;
  try {
    response = await fetch(new URL(call.path, target.url), {
      ...call.init,
      headers: { authorization: `Bearer ${target.adminKey}`, "content-type": "application/json" },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HubError("unavailable", `Cannot ${call.what}: ${where} does not answer (${reason})`, {
      cause: error,
    });
  }
  const body = await response.json().catch(() => undefined);
  if (response.ok && isObject(body)) return body;
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const code = isErrorCode(error.code) ? error.code : "upstream_error";
  const message = typeof error.message === "string"
    ? error.message
    : `answered ${response.status} ${response.statusText}`;
  // The hub's own messages already name what failed (`Cannot revoke API key "x": no such key`).
  throw new HubError(
    code,
    message.startsWith("Cannot ") ? message : `Cannot ${call.what}: ${where} ${lower(message)}`,
    { details: isObject(error.details) ? error.details : undefined },
  );
}

function lower(message: string): string {
  return /^answered /.test(message) ? message : `refused: ${message}`;
}

/** The API's JSON record back into the record the output helpers print. */
function recordFromJson(value: unknown): ApiKeyRecord {
  const json = value as Record<string, unknown>;
  const date = (field: unknown) => typeof field === "string" ? new Date(field) : null;
  return {
    ...json,
    expiresAt: date(json.expiresAt),
    revokedAt: date(json.revokedAt),
    lastUsedAt: date(json.lastUsedAt),
    createdAt: new Date(json.createdAt as string),
  } as ApiKeyRecord;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
