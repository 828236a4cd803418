import { startHub } from "../supervisor/mod.ts";
import { logger } from "../logging/mod.ts";
import type { Command } from "./command.ts";
import { HUB_FLAGS, toCliFlags } from "./hub_flags.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** `hub serve`: start the hub and run until SIGINT/SIGTERM, then drain and exit 0. */
export const serveCommand: Command = {
  path: ["serve"],
  summary:
    "Start the hub (the default command). SIGINT/SIGTERM drain it and exit 0; a second signal exits at once.",
  flags: HUB_FLAGS,
  async run(args) {
    const stopRequested = Promise.withResolvers<Deno.Signal>();
    let signals = 0;
    const onSignal = (signal: Deno.Signal) => () => {
      signals += 1;
      if (signals > 1) Deno.exit(130);
      stopRequested.resolve(signal);
    };
    const listeners = SIGNALS.map((signal) => [signal, onSignal(signal)] as const);
    for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);

    const hub = await startHub({ flags: toCliFlags(args), env: Deno.env.toObject() });
    const signal = await stopRequested.promise;
    logger("shutdown").info("Received {signal}, draining", { signal });
    await hub.stop();
    for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
    return 0;
  },
};
