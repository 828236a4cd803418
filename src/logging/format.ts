import {
  getTextFormatter,
  jsonLinesFormatter,
  type LogRecord,
  type TextFormatter,
} from "@logtape/logtape";
import { redactFormatter } from "./redact.ts";

/** Log line formats: `pretty` (readable lines) or `json` (JSON lines). */
export const LOG_FORMATS = ["pretty", "json"] as const;

/** A log line format. */
export type LogFormat = typeof LOG_FORMATS[number];

// Strings unquoted, so `GET /v1/models 200` reads as it would in any access log.
function inspectValue(value: unknown): string {
  return typeof value === "string" ? value : Deno.inspect(value, { colors: false });
}

// Readable lines keep the actor id visible, since every actor logs to the same terminal.
const prettyFormatter = getTextFormatter({
  timestamp: "time",
  value: inspectValue,
  format: ({ timestamp, level, category, message, record }) => {
    const actorId = record.properties.actorId;
    const who = typeof actorId === "string" ? `${category}(${actorId})` : category;
    return `${timestamp} [${level}] ${who}: ${message}`;
  },
});

const FORMATTERS: Record<LogFormat, TextFormatter> = {
  pretty: redactFormatter(prettyFormatter),
  json: redactFormatter(jsonLinesFormatter),
};

/** The formatter of one format: a record in, one line (with its newline) out, secrets scrubbed. */
export function logFormatter(format: LogFormat): (record: LogRecord) => string {
  return FORMATTERS[format];
}
