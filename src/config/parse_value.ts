/**
 * Validators for values typed by a person on a command line or in an
 * environment variable, shared by the CLI and {@linkcode resolveSettings} so a
 * flag and its variable fail with the same message:
 * `Invalid value for --port: "abc" is not a port number (0-65535)`.
 *
 * `source` is what the person typed the value into (`--port`, `HUB_PORT`).
 */
import { invalidValue, quote } from "./config_error.ts";
import { isEncryptedValue } from "./crypto.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./schema.ts";

/** Parses a TCP port, 0-65535 (0 lets the system choose). */
export function parsePort(text: string, source: string): number {
  const trimmed = text.trim();
  const port = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || port > 65535) {
    throw invalidValue(source, `${quote(text)} is not a port number (0-65535)`);
  }
  return port;
}

/** Parses `1`/`true`/`0`/`false` (any case). */
export function parseBoolean(text: string, source: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === "1" || lower === "true") return true;
  if (lower === "0" || lower === "false") return false;
  throw invalidValue(source, `${quote(text)} is not a boolean (1, true, 0 or false)`);
}

/** Parses a log level: trace, debug, info, warning, error or fatal. */
export function parseLogLevel(text: string, source: string): LogLevel {
  const level = LOG_LEVELS.find((candidate) => candidate === text.trim().toLowerCase());
  if (!level) {
    throw invalidValue(source, `${quote(text)} is not a log level (${LOG_LEVELS.join(", ")})`);
  }
  return level;
}

/** Parses a log line format: pretty or json. */
export function parseLogFormat(text: string, source: string): LogFormat {
  const format = LOG_FORMATS.find((candidate) => candidate === text.trim().toLowerCase());
  if (!format) {
    throw invalidValue(source, `${quote(text)} is not a log format (${LOG_FORMATS.join(", ")})`);
  }
  return format;
}

/** Checks a free-text value (host, path) is not empty; the value is never echoed. */
export function parseText(text: string, source: string): string {
  if (text.trim() === "") throw invalidValue(source, "value is empty");
  return text;
}

/**
 * Checks a URL that may carry a password (database, Redis). Encrypted values
 * are refused here: they are decrypted only when loading the config file,
 * where the master key is at hand. The value is never echoed.
 */
export function parseSecretUrl(text: string, source: string): string {
  parseText(text, source);
  if (isEncryptedValue(text.trim())) {
    throw invalidValue(source, "encrypted values are accepted only in the config file");
  }
  return text;
}
