/**
 * `deno task bench`: runs every benchmark script in `bench/` one after the
 * other (never in parallel: they would measure each other) and prints the
 * JSON result line of each. `deno task bench startup actor_call` runs a subset.
 *
 * @module
 */

const here = new URL(".", import.meta.url);
const all = [...Deno.readDirSync(here)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ts") && !name.startsWith("_") && name !== "run.ts")
  .map((name) => name.slice(0, -3))
  .sort();
const selected = Deno.args.length > 0 ? Deno.args : all;
const unknown = selected.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")} (have: ${all.join(", ")})`);
  Deno.exit(2);
}

const results: string[] = [];
let failed = 0;
for (const name of selected) {
  console.log(`\n=== ${name}`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`${name}.ts`, here).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  console.log(text.trimEnd());
  results.push(...text.split("\n").filter((line) => line.startsWith('{"bench":')));
  if (!output.success) failed += 1;
}
console.log("\n=== results");
for (const line of results) console.log(line);
if (failed > 0) Deno.exit(1);
