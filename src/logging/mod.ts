/**
 * Logging for the supervisor and every actor: JSON lines in production,
 * readable lines in development, secrets redacted by field and by pattern.
 *
 * ```ts
 * import { logger, setupLogging } from "./mod.ts";
 * await setupLogging({ dev: true });
 * logger("storage").info("Opened database {driver}", { driver: "pglite" });
 * ```
 *
 * @module
 */
import {
  configure,
  getLogger,
  getTextFormatter,
  jsonLinesFormatter,
  type Logger,
  type LogLevel,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import { redactFormatter, redactSink } from "./redact.ts";

export { SECRET_FIELDS, SECRET_PATTERNS } from "./redact.ts";
export type { Logger, LogLevel, LogRecord, Sink } from "@logtape/logtape";

/** Options of {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** Readable lines instead of JSON lines. */
  dev?: boolean;
  /** Lowest level written; `info` by default, `debug` with `dev`. */
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

function formatterFor(dev: boolean): TextFormatter {
  if (!dev) return redactFormatter(jsonLinesFormatter);
  // Readable lines keep the actor id visible, since every actor logs to the same terminal.
  return redactFormatter(getTextFormatter({
    timestamp: "time",
    value: (v) => Deno.inspect(v, { colors: false }),
    format: ({ timestamp, level, category, message, record }) => {
      const actorId = record.properties.actorId;
      const who = typeof actorId === "string" ? `${category}(${actorId})` : category;
      return `${timestamp} [${level}] ${who}: ${message}`;
    },
  }));
}

/** Configures the `hub` logger tree once per isolate (main thread or Worker). */
export async function setupLogging(options: LoggingOptions = {}): Promise<void> {
  const dev = options.dev ?? false;
  const format = formatterFor(dev);
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
        lowestLevel: options.level ?? (dev ? "debug" : "info"),
      },
      { category: ["logtape", "meta"], sinks: ["main"], lowestLevel: "warning" },
    ],
  });
}

/** The logger of one subsystem: `logger("storage")`, `logger("actor", "coordinator")`. */
export function logger(...category: string[]): Logger {
  return getLogger(["hub", ...category]);
}
