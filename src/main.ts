/**
 * The hub's entry point: `deno run -A src/main.ts [serve|migrate|config encrypt|keys …] [flags]`.
 *
 * @module
 */
import { runCli } from "./cli/mod.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
