import { HubError } from "@hub/errors";
import {
  type CreateApiKeyInput,
  hasScope,
  parseExpiry,
  parseScopes,
  validateKeyInput,
} from "../auth/mod.ts";
import { RESERVED_NAMESPACES } from "../supervisor/spokes/mod.ts";
import { type ParsedArgs, UsageError } from "./args.ts";

// The first segments of an operation name (`dev`, `dev.ci`): what `metadata.spokeNamespaces` lists.
const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** The `keys create` flags as the key service (and `POST /api/v1/keys`) takes them. */
export function createInput(args: ParsedArgs): CreateApiKeyInput {
  const name = text(args, "name");
  const scopeList = text(args, "scopes");
  if (name === undefined) throw new UsageError("Missing --name (e.g. --name ci-deploy)");
  if (scopeList === undefined) throw new UsageError("Missing --scopes (e.g. --scopes llm,ops)");
  const scopes = usage(() => parseScopes(scopeList));
  const expires = text(args, "expires");
  const namespaces = text(args, "namespaces");
  const input: CreateApiKeyInput = {
    name,
    scopes,
    expiresAt: expires === undefined ? null : usage(() => parseExpiry(expires)),
    accountId: text(args, "account"),
    organizationId: text(args, "organization"),
    limits: {
      rpm: positive(args, "rpm"),
      tpm: positive(args, "tpm"),
      maxParallel: positive(args, "max-parallel"),
    },
    metadata: namespaces === undefined
      ? undefined
      : { spokeNamespaces: parseNamespaces(namespaces, scopes) },
  };
  // Everything but the owner ids can be checked before the database is opened (seconds, for PGlite).
  usage(() => validateKeyInput(input, new Date()));
  return input;
}

/**
 * `--namespaces dev,ci.build`: the operation names a spoke with this key may
 * register. A reserved namespace could never be registered, and without the
 * `spoke` scope the list would limit nothing, so both are refused here.
 */
function parseNamespaces(list: string, scopes: readonly string[]): string[] {
  if (!hasScope(scopes, "spoke")) {
    throw new UsageError(
      "Invalid value for --namespaces: it limits spoke registrations, so --scopes needs spoke",
    );
  }
  const namespaces = [...new Set(list.split(",").map((item) => item.trim()))];
  for (const namespace of namespaces) {
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new UsageError(
        `Invalid namespace "${namespace}": expected lowercase words joined by "." (e.g. dev or dev.ci)`,
      );
    }
    const first = namespace.split(".")[0];
    if (RESERVED_NAMESPACES.includes(first)) {
      throw new UsageError(
        `Invalid namespace "${namespace}": "${first}" is reserved for the hub's own operations`,
      );
    }
  }
  return namespaces;
}

/** A string flag; an empty value is a usage error rather than "unset". */
export function text(args: ParsedArgs, flag: string): string | undefined {
  const value = args.values[flag];
  if (value === "") throw new UsageError(`Invalid value for --${flag}: value is empty`);
  return value as string | undefined;
}

function positive(args: ParsedArgs, flag: string): number | undefined {
  const value = text(args, flag);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) {
    throw new UsageError(`Invalid value for --${flag}: "${value}" is not a positive integer`);
  }
  return number;
}

/** Runs `fn`, turning a `bad_request` (input the user must correct) into a UsageError (exit 2). */
export function usage<T>(fn: () => T): T {
  const rethrow = (error: unknown): never => {
    if (error instanceof HubError && error.code === "bad_request") {
      throw new UsageError(error.message);
    }
    throw error;
  };
  try {
    const result = fn();
    return (result instanceof Promise ? result.catch(rethrow) : result) as T;
  } catch (error) {
    return rethrow(error);
  }
}
