/**
 * A redis-server of a test's own, on a free port, to pause (SIGSTOP), stop
 * and restart without disturbing the machine's Redis other suites share.
 * Its data survives a {@linkcode RedisServer.stop} (saved on shutdown, loaded
 * on start), as a real Redis restart keeps it.
 *
 * @module
 */
import { Redis } from "ioredis";
import { waitFor } from "../../helpers/wait_for.ts";

/** A running (or stopped) redis-server of the test's own. */
export interface RedisServer {
  readonly url: string;
  /** Freezes the process (`kill -STOP`): its sockets stay open, nothing answers. */
  pause(): void;
  /** Thaws it (`kill -CONT`). */
  resume(): void;
  /** Saves and stops it; connections are refused until {@linkcode start}. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the saved data. */
  start(): Promise<void>;
  /** Kills it for good and removes its files (call in `finally`). */
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts a redis-server on a free loopback port. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "hub_redis_" });
  const url = `redis://127.0.0.1:${port}`;
  let child: Deno.ChildProcess | undefined;
  const spawn = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on("error", () => {}); // refused until the server listens: expected
    try {
      await waitFor(() => probe.connect().then(() => true, () => false), {
        what: "redis-server to accept connections",
      });
    } finally {
      probe.disconnect();
    }
  };
  const kill = async (signal: Deno.Signal) => {
    if (!child) return;
    const running = child;
    child = undefined;
    try {
      running.kill(signal);
    } catch { /* already gone */ }
    await running.status;
  };
  await spawn();
  return {
    url,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async stop() {
      const admin = new Redis(url, { retryStrategy: () => null });
      admin.on("error", () => {});
      try {
        await admin.save();
      } finally {
        admin.disconnect();
      }
      await kill("SIGKILL");
    },
    start: spawn,
    async close() {
      child?.kill("SIGCONT");
      await kill("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    },
  };
}
