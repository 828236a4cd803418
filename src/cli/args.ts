import { parseArgs } from "node:util";
import { HubError } from "@hub/errors";

/** A flag a command accepts: its name, whether it takes a value, its help line. */
export interface FlagSpec {
  readonly name: string;
  readonly value?: string;
  readonly help: string;
}

/** Parsed command line: string/boolean values by flag name, and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Thrown for a command line the user must correct; printed as one line, exit code 2. */
export class UsageError extends HubError {
  constructor(message: string) {
    super("bad_request", message);
  }
}

/** Parses `args` strictly against `flags`; an unknown flag or missing value is a UsageError. */
export function parseFlags(args: string[], flags: readonly FlagSpec[]): ParsedArgs {
  const options = Object.fromEntries(
    flags.map((flag) => [flag.name, { type: flag.value ? "string" : "boolean" } as const]),
  );
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = message.match(/^Unknown option '([^']+)'/);
  if (unknown) return `Unknown flag ${unknown[1]}`;
  const missing = message.match(/^Option '(--[\w-]+)[^']*' argument missing/);
  if (missing) return `Missing value for ${missing[1]}`;
  const ambiguous = message.match(/^Option '(--[\w-]+)[^']*' does not take an argument/);
  if (ambiguous) return `Flag ${ambiguous[1]} takes no value`;
  return message;
}

/** The help text of one command: usage line, summary and its flags. */
export function formatHelp(usage: string, summary: string, flags: readonly FlagSpec[]): string {
  const rows = [...flags, { name: "help", help: "Show this help" }].map((flag) => {
    const left = `  --${flag.name}${"value" in flag && flag.value ? ` <${flag.value}>` : ""}`;
    return `${left.padEnd(30)} ${flag.help}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.join("\n")}\n`;
}
