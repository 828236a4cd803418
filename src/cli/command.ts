import type { FlagSpec, ParsedArgs } from "./args.ts";

/** One CLI command: `hub <path...> [flags]`. */
export interface Command {
  /** Words that name it: `["serve"]`, `["config", "encrypt"]`. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** Extra positional arguments shown in the usage line. */
  readonly positionals?: string;
  /** Runs the command; resolves to the exit code. */
  run(args: ParsedArgs): Promise<number>;
}
