import { formatHelp } from "./args.ts";
import type { Command } from "./command.ts";
import { VERSION } from "../version.ts";

/** One line per command: its words and summary, aligned. */
export function commandRows(commands: readonly Command[]): string[] {
  return commands.map((command) => `  ${command.path.join(" ").padEnd(18)} ${command.summary}`);
}

/** `hub --help`: every command, and the flags only the hub itself takes. */
export function topHelp(commands: readonly Command[]): string {
  const flags = [["--version", "Print the version and exit"], ["--help", "Show this help"]]
    .map(([flag, help]) => `  ${flag.padEnd(28)} ${help}`);
  return `Usage: hub [command] [flags]\n\nalk hub ${VERSION}: the meeting point of an AI-agent platform.\n\nCommands:\n${
    commandRows(commands).join("\n")
  }\n\nFlags:\n${flags.join("\n")}\n\nRun "hub <command> --help" for a command's flags.\n`;
}

/** `hub keys --help`: the commands of one group (`keys`, `config`). */
export function groupHelp(group: string, commands: readonly Command[]): string {
  return `Usage: hub ${group} <command> [flags]\n\nCommands:\n${
    commandRows(commands).join("\n")
  }\n\nRun "hub ${group} <command> --help" for a command's flags.\n`;
}

/** `hub keys create --help`: usage line, summary and flags of one command. */
export function commandHelp(command: Command): string {
  const usage = `hub ${command.path.join(" ")} [flags]${
    command.positionals ? ` ${command.positionals}` : ""
  }`;
  return formatHelp(usage, command.summary, command.flags);
}
