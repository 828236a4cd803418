/**
 * The hub's entry point: `deno run -A src/main.ts [serve|migrate|config encrypt|keys …] [flags]`
 * (`npx -y deno@2.9.6 task hub …`); `--version`, and `--help` for every command and group.
 *
 * @module
 */
import { runCli } from "./cli/mod.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
