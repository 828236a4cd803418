import { type LoadedSettings, loadSettings } from "../config/mod.ts";
import type { ParsedArgs } from "./args.ts";
import { toCliFlags } from "./hub_flags.ts";

/**
 * Loads the hub's settings for a command, as the server does, and prints the
 * warnings the server would log — above all "back up the master key file it
 * just created" — on stderr, so stdout stays the command's output alone.
 */
export async function loadCliSettings(args: ParsedArgs): Promise<LoadedSettings> {
  const loaded = await loadSettings({ flags: toCliFlags(args), env: Deno.env.toObject() });
  for (const warning of loaded.warnings) console.error(`hub: warning: ${warning}`);
  return loaded;
}
