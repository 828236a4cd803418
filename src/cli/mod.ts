/**
 * The `hub` command line: `serve` (default), `migrate`, `config encrypt|rotate`, `keys create|list|revoke`,
 * `--version`, and `--help` for the hub, each command group and each command.
 *
 * ```ts
 * import { runCli } from "./mod.ts";
 * Deno.exit(await runCli(["serve", "--port", "0"]));
 * ```
 *
 * @module
 */
import { StartupError } from "../supervisor/mod.ts";
import { VERSION } from "../version.ts";
import { type ParsedArgs, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { configEncryptCommand } from "./config_encrypt.ts";
import { configRotateCommand } from "./config_rotate.ts";
import { commandHelp, commandRows, groupHelp, topHelp } from "./help.ts";
import { KEYS_COMMANDS } from "./keys.ts";
import { migrateCommand } from "./migrate.ts";
import { serveCommand } from "./serve.ts";

/** Every command, in the order `hub --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  configEncryptCommand,
  configRotateCommand,
  ...KEYS_COMMANDS,
];

/** What a command line asks for: a text to print (help, version) or a command to run. */
export type CommandLine =
  | { readonly kind: "print"; readonly text: string }
  | { readonly kind: "run"; readonly command: Command; readonly args: ParsedArgs };

const HELP = ["--help", "-h"];

/**
 * Parses `argv` without running anything; throws a UsageError for a line the
 * user must correct. The docs test checks every documented command with it.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  const [first, second] = argv;
  if (first === "help") {
    return parseCommandLine(argv.length > 1 ? [...argv.slice(1), "--help"] : []);
  }
  if (HELP.includes(first)) return { kind: "print", text: topHelp(COMMANDS) };
  if (first === "--version" && argv.length === 1) return { kind: "print", text: `hub ${VERSION}` };
  const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === first);
  if (group.length > 0 && HELP.includes(second)) {
    return { kind: "print", text: groupHelp(first, group) };
  }
  const found = findCommand(argv);
  if (!found) {
    // `hub keys` alone, or with an unknown subcommand: name the group's commands.
    const what = group.length > 0 ? argv.slice(0, 2).join(" ") : first;
    const hint = group.length > 0
      ? `; one of:\n${commandRows(group).join("\n")}`
      : " (see hub --help)";
    throw new UsageError(`Unknown command "${what}"${hint}`);
  }
  const { command, rest } = found;
  const args = parseFlags(rest, command.flags);
  if (args.values.help) return { kind: "print", text: commandHelp(command) };
  if (!command.positionals && args.positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${args.positionals[0]}" for hub ${command.path.join(" ")}`,
    );
  }
  return { kind: "run", command, args };
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  if (argv.length === 0 || argv[0].startsWith("-")) return { command: serveCommand, rest: argv };
  const command = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word));
  return command && { command, rest: argv.slice(command.path.length) };
}

/** Runs the CLI; resolves to the process exit code (2 for usage errors, 1 for failures). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    if (line.kind === "print") {
      console.log(line.text);
      return 0;
    }
    return await line.command.run(line.args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`hub: ${message}`);
    if (error instanceof UsageError) return 2;
    if (!(error instanceof StartupError) && !(error instanceof Error && "code" in error)) {
      console.error(error instanceof Error && error.stack ? error.stack : "");
    }
    return 1;
  }
}
