import type { Sink, TextFormatter } from "@logtape/logtape";
import { redactByField, redactByPattern } from "@logtape/redaction";

const REDACTED = "[redacted]";

/** Property names whose values are never logged. */
export const SECRET_FIELDS: RegExp[] = [
  /pass(?:code|phrase|word)/i,
  /secret/i,
  /token/i,
  /^(?:api|master|private|upstream|provider)?_?key$/i,
  /apiKey/i,
  /authorization/i,
  /credential/i,
  /cookie/i,
];

/** Secret-shaped substrings scrubbed from every formatted line. */
export const SECRET_PATTERNS = [
  { pattern: /\balk_[A-Za-z0-9_-]{16,}/g, replacement: "alk_" + REDACTED },
  { pattern: /\bsk-[A-Za-z0-9_-]{8,}/g, replacement: "sk-" + REDACTED },
  { pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, replacement: "Bearer " + REDACTED },
  { pattern: /\benc:v1:[A-Za-z0-9:._-]+/g, replacement: "enc:v1:" + REDACTED },
  {
    pattern: /(postgres(?:ql)?|rediss?):\/\/([^:/@\s]*):[^@\s]+@/g,
    replacement: `$1://$2:${REDACTED}@`,
  },
];

/** Wraps a formatter so secret-shaped substrings never reach a line. */
export function redactFormatter(formatter: TextFormatter): TextFormatter {
  return redactByPattern(formatter, SECRET_PATTERNS);
}

/** Wraps a sink so secret-named properties are replaced before formatting. */
export function redactSink(sink: Sink): Sink {
  return redactByField(sink, { fieldPatterns: SECRET_FIELDS, action: () => REDACTED });
}
