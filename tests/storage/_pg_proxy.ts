/**
 * A TCP relay in front of the test PostgreSQL server, so a test can stop or
 * pause "the database" without touching the real service others share:
 * `stop()` closes every connection and refuses new ones (PostgreSQL down),
 * `pause()` keeps connections open but forwards nothing (PostgreSQL hung,
 * as under `kill -STOP`).
 *
 * @module
 */

/** A running relay; `url` is the database URL through it. */
export interface PgProxy {
  readonly url: string;
  pause(): void;
  stop(): void;
  [Symbol.dispose](): void;
}

/** Relays 127.0.0.1:<free port> to the host and port of `target` (a postgres:// URL). */
export function startPgProxy(target: string): PgProxy {
  const upstream = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sockets = new Set<Deno.Conn>();
  let paused = false;
  let stopped = false;

  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const read = await from.read(buffer);
        if (read === null || paused) break;
        let written = 0;
        while (written < read) written += await to.write(buffer.subarray(written, read));
      }
    } catch {
      // A closed socket ends the relay; the other side sees it as the test intends.
    }
    if (!paused) close(from, to);
  };
  const close = (...conns: Deno.Conn[]) => {
    for (const conn of conns) {
      if (!sockets.delete(conn)) continue;
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };
  (async () => {
    for await (const client of listener) {
      sockets.add(client);
      if (paused) continue; // accepted, never answered
      const server = await Deno.connect({
        hostname: upstream.hostname,
        port: Number(upstream.port || 5432),
      });
      sockets.add(server);
      pipe(client, server);
      pipe(server, client);
    }
  })().catch(() => {});

  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((listener.addr as Deno.NetAddr).port);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    paused = false;
    listener.close();
    close(...sockets);
  };
  return {
    url: url.href,
    pause: () => void (paused = true),
    stop,
    [Symbol.dispose]: stop,
  };
}
