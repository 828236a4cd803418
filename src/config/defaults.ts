/** The value of every setting nobody set: no flag, no environment variable, no config field. */
export const DEFAULTS = {
  host: "127.0.0.1",
  port: 3000,
  dataDir: "./.hub",
  dev: false,
  /** The log level outside development; development defaults to `debug`. */
  logLevel: "info",
  devLogLevel: "debug",
  /** One line per HTTP request, at info level. */
  accessLog: true,
  bodyLimitBytes: 1024 * 1024,
  bodyTimeoutMs: 30_000,
  actors: {
    heartbeatIntervalMs: 1000,
    heartbeatTimeoutMs: 5000,
    callTimeoutMs: 30_000,
    restart: { maxRestarts: 5, windowMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 10_000 },
  },
  shutdownTimeoutMs: 10_000,
  /** PostgreSQL only: how long to wait for a connection and for a statement. */
  database: { connectTimeoutMs: 5000, statementTimeoutMs: 5000 },
  /** A limiter script takes well under a millisecond; 500 ms is a Redis that is not answering. */
  redisCommandTimeoutMs: 500,
  limits: {
    perKey: { webSockets: 64, mcpSessions: 32, eventStreams: 32, calls: 128 },
    /** A revocation made in another process closes open connections within this (plus the query). */
    keyRecheckIntervalMs: 5000,
  },
  llm: { poolSize: 1, timeoutMs: 60_000, cooldownMs: 30_000 },
  /** Where the master key is read from when `--master-key-file` is not given (Docker/Kubernetes secret). */
  masterKeyFile: "/run/secrets/hub_master_key",
  /** The fallback master key file, relative to the data directory; created on first start. */
  dataDirMasterKeyFile: "master.key",
} as const;
