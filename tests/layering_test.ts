/**
 * The layering rules of `src/`, checked on every file's static and dynamic
 * imports (relative paths and import-map names alike): the libraries never
 * import the hub, and actors never reach into the supervisor or storage.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SRC = join(ROOT, "src");

/** `folder` may import only from these top-level folders of `src/` (itself included). */
const ALLOWED: Record<string, readonly string[]> = {
  errors: ["errors"],
  pubsub: ["pubsub"],
  operations: ["operations", "pubsub", "errors"],
  spoke: ["spoke", "operations", "pubsub", "errors"],
  llm_catalog: ["llm_catalog", "operations", "pubsub", "errors"],
};

/** `folder` must never import from these. */
const FORBIDDEN: Record<string, readonly string[]> = {
  actors: ["supervisor", "storage"],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

async function importMap(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  return config.imports;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "migrations") yield* sourceFiles(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

/** The top-level `src/` folder a specifier resolves to, or undefined for npm and std. */
function targetFolder(file: string, specifier: string, map: Record<string, string>) {
  let path: string | undefined;
  if (specifier.startsWith(".")) path = resolve(dirname(file), specifier);
  else {
    const mapped = map[specifier];
    if (mapped?.startsWith("./")) path = resolve(ROOT, mapped);
  }
  if (path === undefined) return undefined;
  const inSrc = relative(SRC, path);
  return inSrc.startsWith("..") ? "(outside src)" : inSrc.split("/")[0];
}

/** A `_file.ts` is private to its folder: no other folder imports it. */
function isPrivateOfAnotherFolder(file: string, specifier: string): boolean {
  if (!specifier.startsWith(".")) return false;
  const path = resolve(dirname(file), specifier);
  return path.split("/").at(-1)!.startsWith("_") && dirname(path) !== dirname(file);
}

async function violations(): Promise<string[]> {
  const map = await importMap();
  const found: string[] = [];
  for await (const file of sourceFiles(SRC)) {
    const folder = relative(SRC, file).split("/")[0];
    const allowed = ALLOWED[folder];
    const forbidden = FORBIDDEN[folder] ?? [];
    const text = await Deno.readTextFile(file);
    for (const [, specifier] of text.matchAll(IMPORT)) {
      if (isPrivateOfAnotherFolder(file, specifier)) {
        found.push(`${relative(ROOT, file)} imports "${specifier}", private to its folder`);
      }
      if (file.endsWith("/mod.ts") && /^\.\/_/.test(specifier)) {
        found.push(`${relative(ROOT, file)} exports the private file "${specifier}"`);
      }
      const target = targetFolder(file, specifier, map);
      if (target === undefined) continue;
      const bad = allowed ? !allowed.includes(target) : forbidden.includes(target);
      if (bad) found.push(`${relative(ROOT, file)} imports "${specifier}" (src/${target})`);
    }
  }
  return found.sort();
}

Deno.test("layering: libraries never import the hub, actors never import supervisor or storage, _files stay private", async () => {
  assert.deepEqual(await violations(), []);
});

Deno.test("layering: the check sees a violation (a mapped name and a relative path)", () => {
  const map = { "@alkdev/operations": "./src/operations/mod.ts" };
  const actor = join(SRC, "actors", "x", "mod.ts");
  assert.deepEqual(targetFolder(actor, "../../supervisor/actors/mod.ts", map), "supervisor");
  assert.deepEqual(
    targetFolder(join(SRC, "spoke", "a.ts"), "@alkdev/operations", map),
    "operations",
  );
  assert.deepEqual(targetFolder(actor, "npm:hono@4", map), undefined);
});
