/**
 * Every command line in README.md and docs/*.md works as printed on a machine
 * with only Node.js and npm: written as `npx -y deno@<pin> …`, naming tasks
 * and files that exist, accepted by the hub's parser — and the safe ones
 * (help, version, keys, config encrypt, migrate) run for real on a temp data dir.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { parseCommandLine } from "../../src/cli/mod.ts";
import { type DocCommand, docCommands, shellWords } from "./_doc_commands.ts";

const ROOT = new URL("../../", import.meta.url);
const NPX = /^npx -y deno@(\S+) (.*)$/;
const TASKS = denoJson.tasks as Record<string, string>;
const commands = docCommands();
const npxCommands = commands.flatMap((command) => {
  const match = NPX.exec(command.text);
  return match ? [{ ...command, pin: match[1], args: shellWords(match[2]) }] : [];
});

/** The `hub` arguments a documented `task hub …` or `task start …` runs. */
function hubArgs(args: string[]): string[] | undefined {
  if (args[0] !== "task") return undefined;
  if (args[1] === "hub") return args.slice(2);
  if (args[1] === "start") return ["serve", ...args.slice(2)];
  return undefined;
}

Deno.test("docs: every command line runs with only Node (npx -y deno@<pin> …), one pin throughout", () => {
  assert.ok(npxCommands.length >= 20, `only ${npxCommands.length} npx commands found`);
  // deployment.md is for hosts with Deno installed: a process manager must run deno itself.
  const bare = (command: DocCommand) =>
    !command.where.startsWith("docs/deployment.md:") &&
    (/^deno (run|task)\b/.test(command.text) || (command.inBlock && /^hub /.test(command.text)));
  assert.deepEqual(commands.filter(bare).map((c) => `${c.where}: ${c.text}`), []);
  const [readme] = npxCommands;
  assert.equal(readme.where.split(":")[0], "README.md");
  assert.deepEqual(
    npxCommands.filter((c) => c.pin !== readme.pin).map((c) => `${c.where}: ${c.pin}`),
    [],
  );
  assert.equal(readme.pin, Deno.version.deno, "the pin is the Deno the suite runs on");
});

Deno.test("docs: every documented task, file, benchmark and hub command line exists", async (t) => {
  for (const command of npxCommands) {
    await t.step(`${command.where}: ${command.text}`, () => {
      const [verb, name, ...rest] = command.args;
      if (verb === "run") {
        const file = command.args.find((arg, i) => i > 0 && !arg.startsWith("-"))!;
        assert.ok(Deno.statSync(new URL(file, ROOT)).isFile, `${file} exists`);
        return;
      }
      assert.equal(verb, "task", "a documented command is `task …` or `run …`");
      assert.ok(name in TASKS, `task "${name}" is in deno.json`);
      if (name === "bench") {
        for (const bench of rest) assert.ok(Deno.statSync(new URL(`bench/${bench}.ts`, ROOT)));
      }
      const args = hubArgs(command.args);
      // Throws a UsageError for an unknown command, flag or a missing value.
      if (args) assert.ok(parseCommandLine(args));
    });
  }
  // Each task installs the npm packages quietly first (tools/install.ts), then runs.
  assert.match(
    TASKS.hub,
    /&& deno run -A src\/main\.ts$/,
    "task hub runs the CLI as the docs assume",
  );
  assert.match(TASKS.start, /&& deno run -A src\/main\.ts serve$/);
});

Deno.test("docs: the safe hub commands run as printed", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "hub_docs_" });
  const cleanEnv = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("HUB_")),
  );
  // A key id the docs write as `<id>`: the prefix of the first key a documented command created.
  let createdPrefix: string | undefined;
  try {
    for (const command of npxCommands) {
      const args = hubArgs(command.args);
      if (!args || !isSafe(args)) continue;
      await t.step(`${command.where}: ${command.text}`, async () => {
        const argv = args.map((arg) => arg === "<id>" ? createdPrefix ?? arg : arg);
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "task",
            "--quiet",
            "--config",
            new URL("deno.json", ROOT).pathname,
            "hub",
            ...argv,
          ],
          // Every state goes to the temp data dir, never the checkout's .hub.
          env: { ...cleanEnv, HUB_DATA_DIR: dataDir, NO_COLOR: "1" },
          clearEnv: true,
          stdin: command.stdinFile ? "piped" : "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        if (command.stdinFile) {
          const writer = child.stdin.getWriter();
          await writer.write(new TextEncoder().encode("postgres://hub:s3cret@db:5432/hub\n"));
          await writer.close();
        }
        const output = await child.output();
        const stdout = new TextDecoder().decode(output.stdout);
        assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
        assert.notEqual(stdout.trim(), "", "it printed something");
        const key = /^(alk_[0-9a-f]{12})_/.exec(stdout) ??
          /"prefix":"(alk_[0-9a-f]{12})"/.exec(stdout);
        if (argv[1] === "create" && key) createdPrefix ??= key[1];
      });
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Help, version, keys, config encrypt and migrate on a temp data dir; nothing that serves or needs a network hub. */
function isSafe(args: string[]): boolean {
  const line = parseCommandLine(args);
  if (line.kind === "print") return true;
  const words = line.command.path.join(" ");
  const remote = ["url", "database-url", "data-dir"].some((flag) => line.args.values[flag]);
  return !remote && ["keys create", "keys list", "keys revoke", "config encrypt", "migrate"]
    .includes(words);
}
