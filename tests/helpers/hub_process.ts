/**
 * Runs the real `hub` CLI as a subprocess and reads its JSON log lines, for
 * tests of what a user sees: startup, the lock, signals, exit codes.
 *
 * @module
 */
import { waitFor } from "./wait_for.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = new URL("src/main.ts", `file://${ROOT}`).pathname;

/** A hub process started by {@linkcode spawnHub}. */
export interface HubProcess {
  readonly child: Deno.ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the listening URL (from the "Listening on" log line). */
  readonly url: Promise<string>;
  /** Resolves once a log line matches `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Stderr, once the process has exited. */
  readonly stderr: Promise<string>;
  readonly status: Promise<Deno.CommandStatus>;
}

/** Starts `deno run -A src/main.ts <args>` with a clean HUB_* environment. */
export function spawnHub(args: string[], env: Record<string, string> = {}): HubProcess {
  return watchHub(Deno.execPath(), ["run", "-A", MAIN, ...args], env);
}

/**
 * Starts `deno task start <args>` in the repository as the leader of a new
 * process group (through `setsid`), the way a terminal or a process manager
 * runs it: `Deno.kill(-hub.child.pid, signal)` signals the whole group.
 */
export function spawnTaskStart(args: string[], env: Record<string, string> = {}): HubProcess {
  return watchHub("setsid", [Deno.execPath(), "task", "--quiet", "start", ...args], env);
}

function watchHub(command: string, args: string[], env: Record<string, string>): HubProcess {
  const cleanEnv = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("HUB_")),
  );
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { ...cleanEnv, NO_COLOR: "1", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const stdoutDone = (async () => {
    const decoder = new TextDecoderStream();
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(decoder)) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.pattern.test(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  const status = Promise.all([child.status, stdoutDone]).then(([status]) => status);
  const waitForLine = (pattern: RegExp) => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    waiters.push({ pattern, resolve });
    status.then(() => reject(new Error(`hub exited before logging ${pattern}`)));
    return promise;
  };
  const url = waitForLine(/"Listening on/).then((line) =>
    JSON.parse(line).properties.url as string
  );
  url.catch(() => {}); // only tests that await `url` care that it never came
  return { child, lines, url, waitForLine, stderr, status };
}

/** Polls `/health` until it answers 200 (startup takes seconds on a fresh PGlite dir). */
export async function waitForHealthy(
  url: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  let last: unknown;
  try {
    // Polling an external process has no event to await.
    return await waitFor(async () => {
      const response = await fetch(`${url}/health`).catch(() => undefined);
      last = await response?.json();
      return response?.status === 200 ? last as Record<string, unknown> : undefined;
    }, { timeoutMs, intervalMs: 50, what: "/health to answer 200" });
  } catch {
    throw new Error(`hub at ${url} never became healthy: ${JSON.stringify(last)}`);
  }
}
