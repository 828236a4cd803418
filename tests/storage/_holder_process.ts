/**
 * Starts `_lock_holder.ts` in a real second process and waits until it holds
 * the data-dir lock.
 *
 * @module
 */

const HOLDER = new URL("./_lock_holder.ts", import.meta.url);
const ROOT = new URL("../..", import.meta.url);

/** A running process that holds a data-dir lock. */
export interface HolderProcess {
  readonly pid: number;
  /** Closes its stdin: it releases the lock and exits. */
  stop(): Promise<Deno.CommandStatus>;
  /** Kills it with SIGKILL: no chance to clean up. */
  kill(): Promise<Deno.CommandStatus>;
}

/** Spawns the holder and resolves once it has printed "locked". */
export async function spawnLockHolder(dataDir: string): Promise<HolderProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", HOLDER.href, dataDir],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("locked\n")) {
    const { value, done } = await lines.read();
    if (done) {
      const status = await child.status;
      throw new Error(`Lock holder exited with code ${status.code} before taking the lock`);
    }
    seen += value;
  }
  const finish = async () => {
    await lines.cancel().catch(() => {});
    return await child.status;
  };
  return {
    pid: child.pid,
    async stop() {
      await child.stdin.close();
      return await finish();
    },
    async kill() {
      child.kill("SIGKILL");
      await child.stdin.close().catch(() => {});
      return await finish();
    },
  };
}
