import { HubError } from "@hub/errors";
import { addKeyVersion, reencryptConfigFile } from "../config/mod.ts";
import { setupLogging } from "../logging/mod.ts";
import { openDatabase, runMigrations } from "../storage/mod.ts";
import type { Command } from "./command.ts";
import { writeStderr } from "./_stderr.ts";
import { reencryptColumns } from "./encrypted_columns.ts";
import { HUB_FLAGS } from "./hub_flags.ts";
import { loadCliSettings } from "./settings.ts";

/**
 * `hub config rotate`: a new master key version, and every encrypted value —
 * the config file's and the database's — re-encrypted under it, so older
 * versions can then be removed from the master key file.
 *
 * The database is opened before anything changes: with the embedded one a
 * running hub holds the data-dir lock, and the command refuses (stop the hub
 * first) rather than change the key file under it.
 */
export const configRotateCommand: Command = {
  path: ["config", "rotate"],
  summary:
    "Add a master key version and re-encrypt the config file's and the database's encrypted values under it.",
  flags: [
    ...HUB_FLAGS.filter((flag) =>
      ["data-dir", "master-key-file", "config", "database-url"].includes(flag.name)
    ),
    {
      name: "no-new-key",
      help: "Re-encrypt under the current (highest) version without adding one",
    },
  ],
  async run(args) {
    const loaded = await loadCliSettings(args);
    const { settings } = loaded;
    await setupLogging({ format: settings.logFormat, level: "warning", write: writeStderr });
    const database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir })
      .catch((error) => {
        throw refusal(error);
      });
    let report;
    let configValues = 0;
    let keyRing = loaded.keyRing;
    try {
      await runMigrations(database);
      if (!args.values["no-new-key"]) {
        keyRing = await addKeyVersion(loaded.keyRingPath);
        console.log(`Added key version ${keyRing.current} to "${loaded.keyRingPath}".`);
      }
      report = await reencryptColumns(database.db, keyRing);
      if (settings.configPath !== undefined) {
        configValues = await reencryptConfigFile(settings.configPath, keyRing);
      }
    } finally {
      await database.close();
    }
    const where = settings.configPath === undefined ? "" : ` in "${settings.configPath}"`;
    console.log(
      `Re-encrypted ${configValues} config value(s)${where} and ${report.reencrypted} database value(s) under key version ${keyRing.current}.`,
    );
    for (const { column, label, reason } of report.unreadable) {
      console.error(`hub: warning: ${column} of "${label}" ${reason}; left as it is`);
    }
    if (report.raced > 0) {
      console.error(
        `hub: warning: ${report.raced} database value(s) changed meanwhile; run the command again`,
      );
      return 1;
    }
    const older = keyRing.versions.filter((v) => v !== keyRing.current);
    if (older.length > 0) {
      console.log(
        `Once every hub runs with this master key file, versions ${
          older.join(", ")
        } may be removed from it.`,
      );
    }
    return 0;
  },
};

// The embedded database's lock held by a running hub: say what to do.
function refusal(error: unknown): unknown {
  if (!(error instanceof HubError) || error.code !== "conflict") return error;
  const { dataDir, pid } = error.details ?? {};
  if (typeof dataDir !== "string") return error;
  const holder = typeof pid === "number" ? `the hub (pid ${pid})` : "a hub";
  return new HubError(
    "conflict",
    `Cannot rotate the master key: ${holder} holds data dir "${dataDir}"; stop it first (the embedded database is re-encrypted only while no hub runs), then start it again after the rotation`,
    { cause: error, details: error.details },
  );
}
