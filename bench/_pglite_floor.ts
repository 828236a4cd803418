/**
 * The floor of `bench/idle_rss.ts`: a bare script that opens PGlite on the
 * data dir given as its argument (the way the hub does), prints one line once
 * it is open, and then idles until killed.
 *
 * `deno run -A bench/_pglite_floor.ts <data dir> [startParams JSON]`
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";

const [dataDir, startParams] = Deno.args;
const db = await PGlite.create({
  dataDir,
  ...(startParams ? { startParams: JSON.parse(startParams) } : {}),
});
await db.query("select 1");
console.log("open");
setInterval(() => {}, 60_000); // idle, as a hub does between requests
