import { BASE_SCOPES, recordToJson } from "../auth/mod.ts";
import { type FlagSpec, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { createInput, usage } from "./keys_input.ts";
import { describeKey, formatKeyTable } from "./keys_output.ts";
import { KEY_STORE_FLAGS, withKeyStore } from "./keys_store.ts";

const JSON_FLAG: FlagSpec = { name: "json", help: "Print JSON instead of text" };

const CREATE_FLAGS: readonly FlagSpec[] = [
  { name: "name", value: "name", help: "A name for people to recognise the key by (required)" },
  {
    name: "scopes",
    value: "list",
    help: `Comma-separated scopes: ${BASE_SCOPES.join(", ")}, or <scope>:<detail> (required)`,
  },
  {
    name: "namespaces",
    value: "list",
    help:
      "Comma-separated namespaces a spoke with this key may register operations in (spoke scope)",
  },
  { name: "expires", value: "when", help: "ISO date/time, or a duration: 90m, 12h, 30d, 2w" },
  { name: "rpm", value: "n", help: "Requests per minute allowed" },
  { name: "tpm", value: "n", help: "LLM tokens per minute allowed" },
  { name: "max-parallel", value: "n", help: "Calls in flight at once allowed" },
  { name: "account", value: "id", help: "Owning account id" },
  { name: "organization", value: "id", help: "Owning organization id" },
  JSON_FLAG,
  ...KEY_STORE_FLAGS,
];

/** `hub keys create`: the key goes to stdout alone (once); what it is goes to stderr. */
export const keysCreateCommand: Command = {
  path: ["keys", "create"],
  summary:
    "Create an API key and print it once on stdout (its id, prefix and scopes go to stderr).",
  flags: CREATE_FLAGS,
  async run(args) {
    const input = createInput(args);
    const created = await withKeyStore(args, (store) => usage(() => store.create(input)));
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
  flags: [{ name: "all", help: "Include revoked keys" }, JSON_FLAG, ...KEY_STORE_FLAGS],
  async run(args) {
    const includeRevoked = args.values.all === true;
    const records = await withKeyStore(args, (store) => store.list({ includeRevoked }));
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
  flags: [JSON_FLAG, ...KEY_STORE_FLAGS],
  positionals: "<id|prefix>",
  async run(args) {
    if (args.positionals.length !== 1) {
      throw new UsageError("hub keys revoke takes exactly one key id or prefix");
    }
    const [id] = args.positionals;
    const { record, changed } = await withKeyStore(args, (store) => store.revoke(id));
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
