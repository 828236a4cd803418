import { startHub } from "../supervisor/mod.ts";
import { logger } from "../logging/mod.ts";
import type { Command } from "./command.ts";
import { HUB_FLAGS, toCliFlags } from "./hub_flags.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];
// `deno task` forwards the signals it receives to the hub, so a signal sent to the whole process
// group (Ctrl-C in a terminal, systemd stopping `npx … task start`) reaches the hub twice within
// milliseconds. Only a signal this long after the first is a second request, to exit at once.
const SECOND_SIGNAL_AFTER_MS = 1_000;

/** `hub serve`: start the hub and run until SIGINT/SIGTERM, then drain and exit 0. */
export const serveCommand: Command = {
  path: ["serve"],
  summary:
    "Start the hub (the default command). SIGINT/SIGTERM drain it and exit 0; a second signal (a second or more later) exits at once.",
  flags: HUB_FLAGS,
  async run(args) {
    const stopRequested = Promise.withResolvers<Deno.Signal>();
    let firstSignalAt: number | undefined;
    const onSignal = (signal: Deno.Signal) => () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        stopRequested.resolve(signal);
      } else if (Date.now() - firstSignalAt >= SECOND_SIGNAL_AFTER_MS) {
        Deno.exit(130);
      }
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
