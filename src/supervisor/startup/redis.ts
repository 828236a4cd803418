/**
 * The hub's Redis connection and whether Redis answers. A socket can stay
 * open while Redis hangs (a paused process, a stalled network), so liveness
 * is not the socket's state: a PING with a timeout every second, and every
 * command on the request path that times out or cannot be sent, mark Redis
 * as not answering; the next PING that answers (or a reconnect) clears it.
 *
 * @module
 */
import { Redis } from "ioredis";
import { HubError } from "@hub/errors";
import { DEFAULTS } from "../../config/defaults.ts";
import { logger } from "../../logging/mod.ts";
import { describeUrl } from "../../storage/mod.ts";
import type { RedisLink } from "../llm_gateway/mod.ts";

const log = logger("redis");

/** How long a Redis command may take by default before it fails. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS: number = DEFAULTS.redisCommandTimeoutMs;

/** Options of {@linkcode connectRedis}. */
export interface RedisConnectOptions {
  /** Longest wait for one command's reply (default 500 ms). */
  commandTimeoutMs?: number;
  /** How often a PING checks that Redis answers (default 1 s). */
  probeIntervalMs?: number;
}

/** A Redis connection of the hub. */
export interface RedisConnection extends RedisLink {
  readonly client: Redis;
  /** True while Redis answers. */
  ok(): boolean;
  /** For `/health`: the client's status, or `not answering` while a connected Redis is silent. */
  health(): { ok: boolean; status: string };
  close(): Promise<void>;
}

/** Connects to Redis and checks it answers PING; fails the step rather than retrying forever. */
export async function connectRedis(
  url: string,
  options: RedisConnectOptions = {},
): Promise<RedisConnection> {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    commandTimeout: commandTimeoutMs,
    // While Redis is known to be down a command fails at once instead of
    // waiting in a queue for a reconnect; nothing is re-sent after one either
    // (its caller gave up on it already).
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // Back within a second of Redis coming back (ioredis' default waits up to 5 s).
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
  client.on(
    "error",
    (error) => log.warn("Redis error: {message}", { message: error.message }),
  );
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new HubError(
      "unavailable",
      `Cannot connect to Redis at ${describeUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  log.info("Connected to Redis at {url}", { url: describeUrl(url) });
  return new RedisMonitor(client, options.probeIntervalMs ?? 1000);
}

/** A connection that knows whether Redis answers. */
class RedisMonitor implements RedisConnection {
  readonly client: Redis;
  #answering = true;
  #probing = false;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(client: Redis, probeIntervalMs: number) {
    this.client = client;
    // A reconnect means Redis answered its ready check.
    client.on("ready", () => this.#mark(true));
    this.#timer = setInterval(() => this.#probe(), probeIntervalMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  answering(): boolean {
    return this.#answering && this.client.status === "ready";
  }

  failed(error: unknown): void {
    // A reply error (a script error, OOM) is Redis answering; anything else is not.
    if ((error as Error)?.name === "ReplyError") return;
    this.#mark(false, (error as Error)?.message);
  }

  ok(): boolean {
    return this.answering();
  }

  health(): { ok: boolean; status: string } {
    const status = this.client.status;
    if (status !== "ready") return { ok: false, status };
    return this.#answering ? { ok: true, status } : { ok: false, status: "not answering" };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.client.quit().catch(() => this.client.disconnect());
  }

  #probe(): void {
    if (this.#probing || this.client.status !== "ready") return;
    this.#probing = true;
    this.client.ping().then(
      () => this.#mark(true),
      (error) => this.failed(error),
    ).finally(() => this.#probing = false);
  }

  #mark(answering: boolean, reason?: string): void {
    if (answering === this.#answering) return;
    this.#answering = answering;
    if (answering) log.info("Redis answers again");
    else log.warn("Redis is not answering: {reason}", { reason });
  }
}
