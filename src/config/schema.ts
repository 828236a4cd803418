/**
 * The shape of the hub's JSON config file. Every field is optional (the
 * defaults live in `defaults.ts`) and unknown fields are errors, so a typo
 * such as `"prot": 3000` is reported instead of silently ignored.
 */
import Type from "typebox";

/** Log levels, lowest first; the same set as `@logtape/logtape`'s `LogLevel`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;

/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Log line formats: `pretty` (readable lines) or `json` (JSON lines). */
export const LOG_FORMATS = ["pretty", "json"] as const;

/** A log line format. */
export type LogFormat = typeof LOG_FORMATS[number];

/**
 * JSON pointers of the fields that hold secrets; a `*` segment matches any
 * object key or array index. A plain value in one of these fields is accepted
 * with a warning; an `enc:v1:` value is accepted in any string field.
 */
export const SECRET_FIELDS: readonly string[] = [
  "/database/url",
  "/redis/url",
  "/llm/providers/*/apiKey",
];

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

function strict<P extends Type.TProperties>(properties: P) {
  return Type.Object(properties, { additionalProperties: false });
}

function integer(minimum: number, maximum: number) {
  return Type.Optional(Type.Integer({ minimum, maximum }));
}

function text() {
  return Type.Optional(Type.String({ minLength: 1 }));
}

/**
 * A provider name: one lowercase scope word (as in `llm:<provider>`), so the
 * name a key's scope grants is the very name the provider has, and `OpenAI`
 * and `openai` cannot both exist.
 */
export const PROVIDER_NAME_PATTERN = "^[a-z0-9][a-z0-9_.-]*$";

/** An http(s) URL without blanks. */
export const HTTP_URL_PATTERN = "^https?://\\S+$";

/** What a value failing one of the patterns above must be, for problems a person can act on. */
export const PATTERN_RULES: Readonly<Record<string, string>> = {
  [PROVIDER_NAME_PATTERN]:
    "must be lowercase letters, digits, '_', '.' or '-', starting with a letter or digit",
  [HTTP_URL_PATTERN]: "must be an http(s) URL",
};

/** One upstream LLM provider (an OpenAI-compatible base URL and the models it serves). */
export const LLM_PROVIDER_SCHEMA = strict({
  // 63: the longest word a scope may hold (src/auth/scopes.ts).
  name: Type.String({ minLength: 1, maxLength: 63, pattern: PROVIDER_NAME_PATTERN }),
  baseURL: Type.String({ minLength: 1, pattern: HTTP_URL_PATTERN }),
  apiKey: text(),
  models: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
    minItems: 1,
    maxItems: 1000,
  }),
  weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
});

/** The config file schema (typebox, i.e. JSON Schema). */
export const CONFIG_SCHEMA = strict({
  server: Type.Optional(strict({
    host: text(),
    port: integer(0, 65535),
    // Below 1 KiB not even a small operation call fits; above 1 GiB a single
    // request could exhaust the process.
    bodyLimitBytes: integer(1024, 1024 ** 3),
    // How long a request body may take to arrive in full, from the end of its headers.
    bodyTimeoutMs: integer(1000, 10 * MS_PER_MINUTE),
  })),
  dataDir: text(),
  development: Type.Optional(Type.Boolean()),
  log: Type.Optional(strict({
    level: Type.Optional(Type.Enum(LOG_LEVELS)),
    format: Type.Optional(Type.Enum(LOG_FORMATS)),
    access: Type.Optional(Type.Boolean()),
  })),
  database: Type.Optional(strict({
    url: text(),
    // Under 100 ms a healthy server on a busy network fails; past a minute a
    // hung one holds every request that long.
    connectTimeoutMs: integer(100, MS_PER_MINUTE),
    statementTimeoutMs: integer(100, 10 * MS_PER_MINUTE),
  })),
  redis: Type.Optional(strict({
    url: text(),
    // Per command on the request path; past it Redis counts as not answering.
    commandTimeoutMs: integer(10, MS_PER_MINUTE),
  })),
  actors: Type.Optional(strict({
    // Heartbeats faster than 10 ms only burn CPU; slower than a minute make
    // a dead actor invisible for too long.
    heartbeatIntervalMs: integer(10, MS_PER_MINUTE),
    heartbeatTimeoutMs: integer(50, 10 * MS_PER_MINUTE),
    callTimeoutMs: integer(100, MS_PER_HOUR),
    restart: Type.Optional(strict({
      maxRestarts: integer(0, 1000),
      windowMs: integer(1000, 24 * MS_PER_HOUR),
      backoffBaseMs: integer(0, MS_PER_MINUTE),
      backoffMaxMs: integer(0, MS_PER_HOUR),
    })),
  })),
  shutdown: Type.Optional(strict({ timeoutMs: integer(0, 10 * MS_PER_MINUTE) })),
  limits: Type.Optional(strict({
    // What one API key may hold open at once; the hub-wide caps apply as well.
    perKey: Type.Optional(strict({
      webSockets: integer(1, 100_000),
      mcpSessions: integer(1, 100_000),
      eventStreams: integer(1, 100_000),
      calls: integer(1, 100_000),
    })),
    // How often open connections re-check their key against the database.
    keyRecheckIntervalMs: integer(100, MS_PER_MINUTE),
  })),
  llm: Type.Optional(strict({
    poolSize: integer(1, 64),
    // Time to the upstream's first byte; past it the next deployment is tried.
    timeoutMs: integer(100, MS_PER_HOUR),
    cooldownMs: integer(0, MS_PER_HOUR),
    providers: Type.Optional(Type.Array(LLM_PROVIDER_SCHEMA, { maxItems: 1000 })),
    aliases: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 })),
    ),
  })),
});

/** The data of a valid config file (after decryption of `enc:v1:` values). */
export type ConfigFileData = Type.Static<typeof CONFIG_SCHEMA>;

/** True when the JSON pointer `path` names a field declared secret in {@linkcode SECRET_FIELDS}. */
export function isSecretField(path: string, secretFields: readonly string[] = SECRET_FIELDS) {
  const segments = path.split("/");
  return secretFields.some((pattern) => {
    const expected = pattern.split("/");
    return expected.length === segments.length &&
      expected.every((segment, i) => segment === "*" || segment === segments[i]);
  });
}

/** One key as a JSON pointer segment (RFC 6901: `~` and `/` escaped, so pointers stay unambiguous). */
export function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}
