/**
 * The `hub` command line: `serve` (default), `migrate`, `config encrypt`, `keys create|list|revoke`.
 *
 * ```ts
 * import { runCli } from "./mod.ts";
 * Deno.exit(await runCli(["serve", "--port", "0"]));
 * ```
 *
 * @module
 */
import { StartupError } from "../supervisor/mod.ts";
import { formatHelp, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { configEncryptCommand } from "./config_encrypt.ts";
import { KEYS_COMMANDS } from "./keys.ts";
import { migrateCommand } from "./migrate.ts";
import { serveCommand } from "./serve.ts";

/** Every command, in the order `hub --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  configEncryptCommand,
  ...KEYS_COMMANDS,
];

function commandRows(commands: readonly Command[]): string[] {
  return commands.map((command) => `  ${command.path.join(" ").padEnd(18)} ${command.summary}`);
}

function topHelp(): string {
  const rows = commandRows(COMMANDS);
  return `Usage: hub [command] [flags]\n\nalk hub: the meeting point of an AI-agent platform.\n\nCommands:\n${
    rows.join("\n")
  }\n\nRun "hub <command> --help" for a command's flags.\n`;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  if (argv.length === 0 || argv[0].startsWith("-")) return { command: serveCommand, rest: argv };
  const command = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word));
  return command && { command, rest: argv.slice(command.path.length) };
}

/** Runs the CLI; resolves to the process exit code (2 for usage errors, 1 for failures). */
export async function runCli(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(topHelp());
    return 0;
  }
  try {
    const found = findCommand(argv);
    if (!found) {
      // `hub keys` alone, or with an unknown subcommand: name the group's commands.
      const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === argv[0]);
      const what = group.length > 0 ? argv.slice(0, 2).join(" ") : argv[0];
      const hint = group.length > 0
        ? `; one of:\n${commandRows(group).join("\n")}`
        : " (see hub --help)";
      throw new UsageError(`Unknown command "${what}"${hint}`);
    }
    const { command, rest } = found;
    const args = parseFlags(rest, command.flags);
    if (args.values.help) {
      const usage = `hub ${command.path.join(" ")} [flags]${
        command.positionals ? ` ${command.positionals}` : ""
      }`;
      console.log(formatHelp(usage, command.summary, command.flags));
      return 0;
    }
    if (!command.positionals && args.positionals.length > 0) {
      throw new UsageError(
        `Unexpected argument "${args.positionals[0]}" for hub ${command.path.join(" ")}`,
      );
    }
    return await command.run(args);
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
