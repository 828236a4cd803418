/**
 * Child process for the data-dir lock tests: takes the lock on `Deno.args[0]`,
 * prints "locked", and holds it until stdin closes (or it is killed).
 *
 * @module
 */
import { acquireDataDirLock } from "../../src/storage/data_dir_lock.ts";

const lock = await acquireDataDirLock(Deno.args[0]);
console.log("locked");
for await (const _ of Deno.stdin.readable) {
  // Hold the lock until the parent closes stdin.
}
await lock.release();
