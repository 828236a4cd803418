/**
 * The first step of `deno task start`: installs the npm packages of deno.json
 * into `node_modules/` with `deno install --quiet`, and prints one summary line
 * (on stderr) when it installed any. Left to `deno run`, a fresh clone would
 * print a line per package, about 150 of them; later starts print nothing.
 *
 * @module
 */
const root = new URL("../", import.meta.url);
const packages = new URL("node_modules/.deno/", root);

async function countPackages(): Promise<number> {
  let count = 0;
  try {
    for await (const entry of Deno.readDir(packages)) if (entry.isDirectory) count += 1;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return count;
}

const before = await countPackages();
const started = performance.now();
const install = await new Deno.Command(Deno.execPath(), {
  args: ["install", "--quiet"],
  cwd: root,
  stdin: "null",
  stdout: "inherit",
  stderr: "piped",
}).output();
if (!install.success) {
  await Deno.stderr.write(install.stderr);
  console.error(`Cannot install the npm packages: deno install exited with ${install.code}`);
  Deno.exit(install.code || 1);
}
const installed = (await countPackages()) - before;
if (installed > 0) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`Installed ${installed} npm packages into node_modules/ in ${seconds} s`);
}
