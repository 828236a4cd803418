import assert from "node:assert/strict";
import {
  LOG_FORMATS as LOGGING_FORMATS,
  type LogFormat as LoggingFormat,
  type LogLevel as LogtapeLevel,
} from "../../src/logging/mod.ts";
import {
  type CliFlags,
  ConfigError,
  type ConfigFileData,
  DEFAULTS,
  type HubSettings,
  LOG_FORMATS,
  type LogFormat,
  type LogLevel,
  parseBoolean,
  parseLogLevel,
  parsePort,
  parseSecretUrl,
  resolveConfigPath,
  resolveSettings,
} from "../../src/config/mod.ts";
import { thrown } from "./_helpers.ts";

interface Case {
  setting: keyof HubSettings;
  flag?: Partial<CliFlags>;
  env?: [string, string];
  file?: ConfigFileData;
  values: { flag?: unknown; env?: unknown; file?: unknown; default: unknown };
}

const CASES: Case[] = [
  {
    setting: "host",
    flag: { host: "flag.example" },
    env: ["HUB_HOST", "env.example"],
    file: { server: { host: "file.example" } },
    values: {
      flag: "flag.example",
      env: "env.example",
      file: "file.example",
      default: "127.0.0.1",
    },
  },
  {
    setting: "port",
    flag: { port: 1111 },
    env: ["HUB_PORT", "2222"],
    file: { server: { port: 3333 } },
    values: { flag: 1111, env: 2222, file: 3333, default: 3000 },
  },
  {
    setting: "dataDir",
    flag: { dataDir: "/flag" },
    env: ["HUB_DATA_DIR", "/env"],
    file: { dataDir: "/file" },
    values: { flag: "/flag", env: "/env", file: "/file", default: "./.hub" },
  },
  {
    setting: "databaseUrl",
    flag: { databaseUrl: "postgres://flag" },
    env: ["HUB_DATABASE_URL", "postgres://env"],
    file: { database: { url: "postgres://file" } },
    values: {
      flag: "postgres://flag",
      env: "postgres://env",
      file: "postgres://file",
      default: undefined,
    },
  },
  {
    setting: "redisUrl",
    flag: { redisUrl: "redis://flag" },
    env: ["HUB_REDIS_URL", "redis://env"],
    file: { redis: { url: "redis://file" } },
    values: { flag: "redis://flag", env: "redis://env", file: "redis://file", default: undefined },
  },
  {
    setting: "dev",
    flag: { dev: true },
    env: ["HUB_DEV", "0"],
    file: { development: true },
    values: { flag: true, env: false, file: true, default: false },
  },
  {
    setting: "configPath",
    flag: { config: "/flag.json" },
    env: ["HUB_CONFIG", "/env.json"],
    values: { flag: "/flag.json", env: "/env.json", default: undefined },
  },
  {
    setting: "masterKeyFile",
    flag: { masterKeyFile: "/flag.key" },
    env: ["HUB_MASTER_KEY_FILE", "/env.key"],
    values: { flag: "/flag.key", env: "/env.key", default: undefined },
  },
  {
    setting: "logLevel",
    flag: { logLevel: "warning" },
    env: ["HUB_LOG_LEVEL", "error"],
    file: { log: { level: "trace" } },
    values: { flag: "warning", env: "error", file: "trace", default: "info" },
  },
  {
    setting: "logFormat",
    flag: { logFormat: "pretty" },
    env: ["HUB_LOG_FORMAT", "json"],
    file: { log: { format: "pretty" } },
    values: { flag: "pretty", env: "json", file: "pretty", default: "json" },
  },
  {
    setting: "accessLog",
    flag: { accessLog: false },
    env: ["HUB_ACCESS_LOG", "1"],
    file: { log: { access: false } },
    values: { flag: false, env: true, file: false, default: true },
  },
  {
    setting: "bodyLimitBytes",
    file: { server: { bodyLimitBytes: 4096 } },
    values: { file: 4096, default: 1024 * 1024 },
  },
  {
    setting: "shutdownTimeoutMs",
    file: { shutdown: { timeoutMs: 500 } },
    values: { file: 500, default: 10_000 },
  },
  {
    setting: "redisCommandTimeoutMs",
    file: { redis: { commandTimeoutMs: 250 } },
    values: { file: 250, default: 500 },
  },
];

Deno.test("resolveSettings() limits: a file's per-key caps replace only the defaults they name", () => {
  const settings = resolveSettings({
    flags: {},
    env: {},
    file: { limits: { perKey: { webSockets: 2 }, keyRecheckIntervalMs: 250 } },
  });
  assert.deepEqual(settings.limits, {
    perKey: { webSockets: 2, mcpSessions: 32, eventStreams: 32, calls: 128 },
    keyRecheckIntervalMs: 250,
  });
});

Deno.test("resolveSettings() precedence: flag > environment > file > default", async (t) => {
  for (const c of CASES) {
    await t.step(c.setting, () => {
      const flags = c.flag ?? {};
      const env = c.env ? { [c.env[0]]: c.env[1] } : {};
      const get = (input: Parameters<typeof resolveSettings>[0]) =>
        resolveSettings(input)[c.setting];
      if (c.flag) assert.deepEqual(get({ flags, env, file: c.file }), c.values.flag, "flag");
      if (c.env) assert.deepEqual(get({ flags: {}, env, file: c.file }), c.values.env, "env");
      if (c.file) {
        assert.deepEqual(get({ flags: {}, env: {}, file: c.file }), c.values.file, "file");
      }
      assert.deepEqual(get({ flags: {}, env: {} }), c.values.default, "default");
    });
  }

  await t.step("actors: file fields override defaults one by one", () => {
    const settings = resolveSettings({
      flags: {},
      env: {},
      file: { actors: { callTimeoutMs: 1234, restart: { maxRestarts: 9 } } },
    });
    assert.deepEqual(settings.actors, {
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 5000,
      callTimeoutMs: 1234,
      restart: { maxRestarts: 9, windowMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 10_000 },
    });
  });

  await t.step("database timeouts come from the file, each defaulting alone", () => {
    const settings = resolveSettings({
      flags: {},
      env: {},
      file: { database: { url: "postgres://db/hub", statementTimeoutMs: 2500 } },
    });
    assert.deepEqual(settings.database, { connectTimeoutMs: 5000, statementTimeoutMs: 2500 });
  });

  await t.step("defaults, all together", () => {
    assert.deepEqual(resolveSettings({ flags: {}, env: {} }), {
      host: "127.0.0.1",
      port: 3000,
      dataDir: "./.hub",
      configPath: undefined,
      databaseUrl: undefined,
      redisUrl: undefined,
      redisCommandTimeoutMs: 500,
      masterKeyFile: undefined,
      dev: false,
      logLevel: "info",
      logFormat: "json",
      accessLog: true,
      bodyLimitBytes: 1_048_576,
      bodyTimeoutMs: 30_000,
      actors: DEFAULTS.actors,
      shutdownTimeoutMs: 10_000,
      database: { connectTimeoutMs: 5000, statementTimeoutMs: 5000 },
      limits: {
        perKey: { webSockets: 64, mcpSessions: 32, eventStreams: 32, calls: 128 },
        keyRecheckIntervalMs: 5000,
      },
      llm: { poolSize: 1, timeoutMs: 60_000, cooldownMs: 30_000, providers: [], aliases: {} },
    });
  });

  await t.step("the default log level follows the resolved dev flag", () => {
    assert.equal(resolveSettings({ flags: { dev: true }, env: {} }).logLevel, "debug");
    assert.equal(resolveSettings({ flags: {}, env: { HUB_DEV: "true" } }).logLevel, "debug");
    assert.equal(
      resolveSettings({ flags: {}, env: {}, file: { development: true } }).logLevel,
      "debug",
    );
    const explicit = resolveSettings({
      flags: { dev: true },
      env: {},
      file: { log: { level: "info" } },
    });
    assert.equal(explicit.logLevel, "info");
  });

  await t.step("log lines are readable on a terminal or in development, JSON otherwise", () => {
    const format = (input: Partial<Parameters<typeof resolveSettings>[0]>) =>
      resolveSettings({ flags: {}, env: {}, ...input }).logFormat;
    assert.equal(format({}), "json", "not a terminal: a log collector reads JSON lines");
    assert.equal(format({ terminal: true }), "pretty");
    assert.equal(format({ terminal: false, flags: { dev: true } }), "pretty", "--dev as before");
    assert.equal(format({ terminal: true, flags: { logFormat: "json" } }), "json");
    assert.equal(format({ terminal: true, env: { HUB_LOG_FORMAT: "JSON" } }), "json");
    assert.equal(format({ terminal: true, file: { log: { format: "json" } } }), "json");
    assert.equal(format({ flags: { dev: true }, env: { HUB_LOG_FORMAT: "json" } }), "json");
  });

  await t.step("an empty environment variable counts as unset", () => {
    const settings = resolveSettings({
      flags: {},
      env: { HUB_PORT: "", HUB_HOST: "" },
      file: { server: { port: 1 } },
    });
    assert.equal(settings.port, 1);
    assert.equal(settings.host, "127.0.0.1");
  });

  await t.step("HUB_DEV accepts 1, true, 0, false", () => {
    for (
      const [text, dev] of [["1", true], ["true", true], ["TRUE", true], ["0", false], [
        "false",
        false,
      ]] as const
    ) {
      assert.equal(resolveSettings({ flags: {}, env: { HUB_DEV: text } }).dev, dev, text);
    }
  });
});

Deno.test("resolveSettings() rejects invalid input", async (t) => {
  await t.step("names an invalid environment variable", () => {
    const cases: [string, string, string][] = [
      ["HUB_PORT", "abc", 'Invalid value for HUB_PORT: "abc" is not a port number (0-65535)'],
      ["HUB_PORT", "70000", 'Invalid value for HUB_PORT: "70000" is not a port number (0-65535)'],
      ["HUB_PORT", "-1", 'Invalid value for HUB_PORT: "-1" is not a port number (0-65535)'],
      ["HUB_PORT", "3000.5", 'Invalid value for HUB_PORT: "3000.5" is not a port number (0-65535)'],
      ["HUB_DEV", "yes", 'Invalid value for HUB_DEV: "yes" is not a boolean (1, true, 0 or false)'],
      [
        "HUB_LOG_FORMAT",
        "xml",
        'Invalid value for HUB_LOG_FORMAT: "xml" is not a log format (pretty, json)',
      ],
      [
        "HUB_ACCESS_LOG",
        "off",
        'Invalid value for HUB_ACCESS_LOG: "off" is not a boolean (1, true, 0 or false)',
      ],
      [
        "HUB_LOG_LEVEL",
        "loud",
        'Invalid value for HUB_LOG_LEVEL: "loud" is not a log level (trace, debug, info, warning, error, fatal)',
      ],
      ["HUB_HOST", "   ", "Invalid value for HUB_HOST: value is empty"],
    ];
    for (const [name, value, message] of cases) {
      const error = thrown(() => resolveSettings({ flags: {}, env: { [name]: value } }));
      assert.ok(error instanceof ConfigError, name);
      assert.equal(error.code, "bad_request");
      assert.equal(error.message, message);
      assert.equal(error.problems[0].path, name);
    }
  });

  await t.step("reports every invalid variable at once", () => {
    const error = thrown(() =>
      resolveSettings({ flags: {}, env: { HUB_PORT: "abc", HUB_DEV: "yes" } })
    );
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.path), ["HUB_DEV", "HUB_PORT"]);
    assert.match(error.message, /HUB_DEV.*; Invalid value for HUB_PORT/);
  });

  await t.step("a flag fails with the same message form as its variable", () => {
    const error = thrown(() => resolveSettings({ flags: { port: 70000 }, env: {} }));
    assert.equal(error.message, 'Invalid value for --port: "70000" is not a port number (0-65535)');
    assert.throws(
      () => resolveSettings({ flags: { host: "" }, env: {} }),
      /--host: value is empty/,
    );
  });

  await t.step("an encrypted URL outside the config file is refused without echoing it", () => {
    const value = "enc:v1:1:c2FsdA:aXY:Y2lwaGVy";
    const error = thrown(() => resolveSettings({ flags: {}, env: { HUB_DATABASE_URL: value } }));
    assert.equal(
      error.message,
      "Invalid value for HUB_DATABASE_URL: encrypted values are accepted only in the config file",
    );
    assert.throws(() => parseSecretUrl(value, "--redis-url"), /--redis-url/);
  });

  await t.step("relations between fields, even when one is a default", () => {
    const error = thrown(() =>
      resolveSettings({
        flags: {},
        env: {},
        file: { actors: { heartbeatTimeoutMs: 800, restart: { backoffMaxMs: 50 } } },
      })
    );
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.path), [
      "/actors/heartbeatTimeoutMs",
      "/actors/restart/backoffMaxMs",
    ]);
    assert.match(
      error.message,
      /^Cannot resolve settings: \/actors\/heartbeatTimeoutMs \(800\) must be greater/,
    );
  });
});

Deno.test("resolveConfigPath() reads --config, then HUB_CONFIG", () => {
  assert.equal(resolveConfigPath({ config: "/a.json" }, { HUB_CONFIG: "/b.json" }), "/a.json");
  assert.equal(resolveConfigPath({}, { HUB_CONFIG: "/b.json" }), "/b.json");
  assert.equal(resolveConfigPath({}, {}), undefined);
  assert.throws(() => resolveConfigPath({ config: " " }, {}), /Invalid value for --config/);
});

Deno.test("parsePort(), parseBoolean(), parseLogLevel() for the CLI", () => {
  assert.equal(parsePort("0", "--port"), 0);
  assert.equal(parsePort(" 65535 ", "--port"), 65535);
  assert.throws(
    () => parsePort("abc", "--port"),
    { message: 'Invalid value for --port: "abc" is not a port number (0-65535)' },
  );
  assert.throws(() => parsePort("", "--port"), ConfigError);
  assert.throws(() => parsePort("1e3", "--port"), ConfigError);
  assert.equal(parseBoolean("False", "--dev"), false);
  assert.equal(parseLogLevel("WARNING", "HUB_LOG_LEVEL"), "warning");
  const long = "x".repeat(100);
  assert.ok(thrown(() => parsePort(long, "--port")).message.length < 120);
});

Deno.test("LogLevel is exactly the logging module's LogLevel", () => {
  const ours: LogLevel = "warning";
  const theirs: LogtapeLevel = ours;
  const back: LogLevel = theirs;
  // @ts-expect-error: "warn" is not a level
  const wrong: LogLevel = "warn";
  assert.equal(back, "warning");
  assert.equal(wrong, "warn");
});

Deno.test("LogFormat is exactly the logging module's LogFormat", () => {
  assert.deepEqual([...LOG_FORMATS], [...LOGGING_FORMATS]);
  const ours: LogFormat = "pretty";
  const theirs: LoggingFormat = ours;
  const back: LogFormat = theirs;
  assert.equal(back, "pretty");
});
