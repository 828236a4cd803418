import { HubError } from "@hub/errors";
import {
  type ApiKeyService,
  BASE_SCOPES,
  type CreateApiKeyInput,
  parseExpiry,
  parseScopes,
  recordToJson,
  validateKeyInput,
} from "../auth/mod.ts";
import { type FlagSpec, type ParsedArgs, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { describeKey, formatKeyTable } from "./keys_output.ts";
import { STORAGE_FLAGS, withKeyService } from "./keys_storage.ts";

const JSON_FLAG: FlagSpec = { name: "json", help: "Print JSON instead of text" };

const CREATE_FLAGS: readonly FlagSpec[] = [
  { name: "name", value: "name", help: "A name for people to recognise the key by (required)" },
  {
    name: "scopes",
    value: "list",
    help: `Comma-separated scopes: ${BASE_SCOPES.join(", ")}, or <scope>:<detail> (required)`,
  },
  { name: "expires", value: "when", help: "ISO date/time, or a duration: 90m, 12h, 30d, 2w" },
  { name: "rpm", value: "n", help: "Requests per minute allowed" },
  { name: "tpm", value: "n", help: "LLM tokens per minute allowed" },
  { name: "max-parallel", value: "n", help: "Calls in flight at once allowed" },
  { name: "account", value: "id", help: "Owning account id" },
  { name: "organization", value: "id", help: "Owning organization id" },
  JSON_FLAG,
  ...STORAGE_FLAGS,
];

/** `hub keys create`: the key goes to stdout alone (once); what it is goes to stderr. */
export const keysCreateCommand: Command = {
  path: ["keys", "create"],
  summary:
    "Create an API key and print it once on stdout (its id, prefix and scopes go to stderr).",
  flags: CREATE_FLAGS,
  async run(args) {
    const input = createInput(args);
    const created = await withKeyService(
      args,
      "POST /api/v1/keys",
      (service) => usage(() => service.create(input, { via: "cli" })),
    );
    if (args.values.json) {
      console.log(JSON.stringify({ key: created.key, ...recordToJson(created.record) }));
    } else {
      console.log(created.key);
      console.error(`Created API key ${describeKey(created.record)}.`);
      console.error("Store the key now: it is shown only once and cannot be recovered.");
    }
    return 0;
  },
};

/** `hub keys list`: active and expired keys (revoked ones with --all), never a secret. */
export const keysListCommand: Command = {
  path: ["keys", "list"],
  summary: "List API keys (without secrets); --all includes revoked ones.",
  flags: [{ name: "all", help: "Include revoked keys" }, JSON_FLAG, ...STORAGE_FLAGS],
  async run(args) {
    const includeRevoked = args.values.all === true;
    const records = await withKeyService(
      args,
      "GET /api/v1/keys",
      (service) => service.list({ includeRevoked }),
    );
    if (args.values.json) console.log(JSON.stringify(records.map(recordToJson)));
    else if (records.length === 0) {
      console.log(
        includeRevoked ? "No API keys." : "No active API keys (--all shows revoked ones).",
      );
    } else console.log(formatKeyTable(records));
    return 0;
  },
};

/** `hub keys revoke <id>`: revoking an already revoked key succeeds and changes nothing. */
export const keysRevokeCommand: Command = {
  path: ["keys", "revoke"],
  summary: "Revoke an API key by id or prefix, at once; revoking it again changes nothing.",
  flags: [JSON_FLAG, ...STORAGE_FLAGS],
  positionals: "<id|prefix>",
  async run(args) {
    if (args.positionals.length !== 1) {
      throw new UsageError("hub keys revoke takes exactly one key id or prefix");
    }
    const [id] = args.positionals;
    const { record, changed } = await withKeyService(
      args,
      "/api/v1/keys",
      (service: ApiKeyService) => service.revoke(id, { via: "cli" }),
    );
    if (args.values.json) console.log(JSON.stringify({ changed, ...recordToJson(record) }));
    else if (changed) console.log(`Revoked API key ${describeKey(record)}.`);
    else {
      console.log(
        `API key "${record.name}" (id ${record.id}) was already revoked at ${record.revokedAt?.toISOString()}.`,
      );
    }
    return 0;
  },
};

/** The `keys` commands, for the CLI's command table. */
export const KEYS_COMMANDS: readonly Command[] = [
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
];

function createInput(args: ParsedArgs): CreateApiKeyInput {
  const name = text(args, "name");
  const scopes = text(args, "scopes");
  if (name === undefined) throw new UsageError("Missing --name (e.g. --name ci-deploy)");
  if (scopes === undefined) throw new UsageError("Missing --scopes (e.g. --scopes llm,ops)");
  const expires = text(args, "expires");
  const input: CreateApiKeyInput = {
    name,
    scopes: usage(() => parseScopes(scopes)),
    expiresAt: expires === undefined ? null : usage(() => parseExpiry(expires)),
    accountId: text(args, "account"),
    organizationId: text(args, "organization"),
    limits: {
      rpm: positive(args, "rpm"),
      tpm: positive(args, "tpm"),
      maxParallel: positive(args, "max-parallel"),
    },
  };
  // Everything but the owner ids can be checked before the database is opened (seconds, for PGlite).
  usage(() => validateKeyInput(input, new Date()));
  return input;
}

function text(args: ParsedArgs, flag: string): string | undefined {
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
function usage<T>(fn: () => T): T {
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
