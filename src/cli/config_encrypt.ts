import { encryptSecret } from "../config/mod.ts";
import { UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { HUB_FLAGS } from "./hub_flags.ts";
import { loadCliSettings } from "./settings.ts";

/** Largest secret accepted on stdin; config secrets are URLs and keys, not files. */
const MAX_SECRET_BYTES = 64 * 1024;

/** `hub config encrypt`: read a secret from stdin, print its encrypted form for the config file. */
export const configEncryptCommand: Command = {
  path: ["config", "encrypt"],
  summary:
    "Read a secret from stdin and print it encrypted under the current master key version, for a config file field.",
  flags: HUB_FLAGS.filter((flag) => ["data-dir", "master-key-file", "config"].includes(flag.name)),
  async run(args) {
    const loaded = await loadCliSettings(args);
    const input = await new Response(Deno.stdin.readable).arrayBuffer();
    if (input.byteLength > MAX_SECRET_BYTES) {
      throw new UsageError(`Cannot encrypt: input exceeds ${MAX_SECRET_BYTES} bytes`);
    }
    const secret = new TextDecoder().decode(input).replace(/\r?\n$/, "");
    if (!secret) throw new UsageError("Cannot encrypt: stdin is empty");
    console.log(await encryptSecret(secret, loaded.keyRing));
    return 0;
  },
};
