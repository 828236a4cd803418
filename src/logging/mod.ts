/**
 * Logging for the supervisor and every actor: readable lines for a person at
 * a terminal, JSON lines for a log collector, secrets redacted by field and by
 * pattern in both.
 *
 * ```ts
 * import { logger, setupLogging } from "./mod.ts";
 * await setupLogging({ format: "pretty" });
 * logger("storage").info("Opened database {driver}", { driver: "pglite" });
 * ```
 *
 * @module
 */
import { configure, getLogger, type Logger, type LogLevel, type Sink } from "@logtape/logtape";
import { type LogFormat, logFormatter } from "./format.ts";
import { redactSink } from "./redact.ts";

export { LOG_FORMATS, type LogFormat, logFormatter } from "./format.ts";
export { SECRET_FIELDS, SECRET_PATTERNS } from "./redact.ts";
export type { Logger, LogLevel, LogRecord, Sink } from "@logtape/logtape";

/** Options of {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** `pretty` (readable lines) or `json` (JSON lines, the default). */
  format?: LogFormat;
  /** Lowest level written; `info` by default. */
  level?: LogLevel;
  /** Where formatted lines go; stdout by default. Tests pass their own to capture lines. */
  write?: (line: string) => void;
  /** Properties added to every record (an actor passes its `actorId`). */
  properties?: Record<string, unknown>;
}

const encoder = new TextEncoder();

function writeStdout(line: string): void {
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** Configures the `hub` logger tree once per isolate (main thread or Worker). */
export async function setupLogging(options: LoggingOptions = {}): Promise<void> {
  const format = logFormatter(options.format ?? "json");
  const write = options.write ?? writeStdout;
  const properties = options.properties;
  const sink: Sink = redactSink((record) => {
    const merged = properties
      ? { ...record, properties: { ...properties, ...record.properties } }
      : record;
    write(format(merged));
  });
  await configure({
    reset: true,
    sinks: { main: sink },
    loggers: [
      {
        category: ["hub"],
        sinks: ["main"],
        lowestLevel: options.level ?? "info",
      },
      { category: ["logtape", "meta"], sinks: ["main"], lowestLevel: "warning" },
    ],
  });
}

/** The logger of one subsystem: `logger("storage")`, `logger("actor", "coordinator")`. */
export function logger(...category: string[]): Logger {
  return getLogger(["hub", ...category]);
}
