import { setupLogging } from "../logging/mod.ts";
import { openStorage } from "../supervisor/mod.ts";
import type { Command } from "./command.ts";
import { HUB_FLAGS } from "./hub_flags.ts";
import { loadCliSettings } from "./settings.ts";

/** `hub migrate`: apply pending migrations to the configured database and exit. */
export const migrateCommand: Command = {
  path: ["migrate"],
  summary: "Apply pending database migrations (the hub also applies them at startup).",
  flags: HUB_FLAGS,
  async run(args) {
    const { settings } = await loadCliSettings(args);
    await setupLogging({ format: settings.logFormat, level: "warning" });
    const storage = await openStorage(settings);
    try {
      const { applied } = await storage.migrate();
      console.log(`Applied ${applied} migration(s) to the ${storage.database.driver} database.`);
    } finally {
      await storage.close();
    }
    return 0;
  },
};
