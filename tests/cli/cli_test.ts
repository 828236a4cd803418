import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/mod.ts";
import { VERSION } from "../../src/version.ts";
import { spawnHub } from "../helpers/hub_process.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const hub = spawnHub(args, env);
  const status = await hub.status;
  return { code: status.code, stdout: hub.lines.join("\n"), stderr: await hub.stderr };
}

/** Runs `hub config encrypt <args>` with `secret` on stdin. */
async function encrypt(args: string[], secret: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../src/main.ts", import.meta.url).pathname,
      "config",
      "encrypt",
      ...args,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(secret));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("hub CLI: refuses bad input with one line naming it", async (t) => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["an unknown flag", ["serve", "--bogus"], {}, /^hub: Unknown flag --bogus\n$/],
    [
      "an invalid port flag",
      ["--port", "abc"],
      {},
      /^hub: Invalid value for --port: "abc" is not a port number/,
    ],
    ["a flag without its value", ["serve", "--port"], {}, /^hub: Missing value for --port\n$/],
    ["an unknown command", ["frobnicate"], {}, /^hub: Unknown command "frobnicate"/],
    ["an invalid environment value", ["serve"], { HUB_PORT: "70000" }, /HUB_PORT/],
    ["a stray argument", ["migrate", "now"], {}, /^hub: Unexpected argument "now"/],
  ];
  for (const [name, args, env, pattern] of cases) {
    await t.step(name, async () => {
      const result = await run(args, env);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    });
  }
});

Deno.test("hub CLI: --help for the hub and each command", async () => {
  const top = await run(["--help"]);
  assert.equal(top.code, 0);
  for (const command of ["serve", "migrate", "config encrypt"]) {
    assert.match(top.stdout, new RegExp(command));
  }
  const group = await run(["keys"]);
  assert.equal(group.code, 2);
  for (const sub of ["keys create", "keys list", "keys revoke"]) {
    assert.match(group.stderr, new RegExp(sub));
  }
  const serve = await run(["serve", "--help"]);
  assert.equal(serve.code, 0);
  for (
    const flag of [
      "--host",
      "--port",
      "--data-dir",
      "--config",
      "--database-url",
      "--redis-url",
      "--master-key-file",
      "--dev",
    ]
  ) {
    assert.match(serve.stdout, new RegExp(flag));
  }
});

Deno.test("hub CLI: --version prints the version of deno.json, and exits 0", async () => {
  const result = await run(["--version"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `hub ${VERSION}`);
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
});

Deno.test("hub CLI: --help for every command group and command exits 0", async (t) => {
  const groups: Array<[string[], string[]]> = [
    [["keys", "--help"], ["keys create", "keys list", "keys revoke"]],
    [["keys", "-h"], ["keys create", "keys list", "keys revoke"]],
    [["config", "--help"], ["config encrypt", "config rotate"]],
    [["help", "keys"], ["keys create", "keys list", "keys revoke"]],
  ];
  for (const [args, commands] of groups) {
    await t.step(args.join(" "), async () => {
      const result = await run(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: hub ${commands[0].split(" ")[0]} <command>`));
      for (const command of commands) {
        assert.match(result.stdout, new RegExp(`^  ${command} `, "m"));
      }
    });
  }
  for (const command of COMMANDS) {
    const words = command.path.join(" ");
    await t.step(`${words} --help`, async () => {
      const result = await run([...command.path, "--help"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: hub ${words} \\[flags\\]`));
      for (const flag of command.flags) {
        assert.match(result.stdout, new RegExp(`--${flag.name}\\b`));
      }
    });
  }
});

Deno.test("hub CLI: config encrypt prints a value the hub decrypts; a tampered one fails startup naming the field", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hub_cli_" });
  try {
    const keyFile = `${dir}/master.key`;
    await Deno.writeTextFile(keyFile, "1:" + "k".repeat(32) + "\n", { mode: 0o600 });
    const output = await encrypt(["--master-key-file", keyFile], "redis://127.0.0.1:1\n");
    assert.equal(output.code, 0, output.stderr);
    const encrypted = output.stdout.trim();
    assert.match(encrypted, /^enc:v1:1:/);
    assert.ok(!encrypted.includes("127.0.0.1"));

    // The hub decrypts it: the (unreachable) Redis URL is what the connect-redis step reports.
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ redis: { url: encrypted } }));
    const args = [
      "--port",
      "0",
      "--data-dir",
      `${dir}/data`,
      "--config",
      `${dir}/config.json`,
      "--master-key-file",
      keyFile,
    ];
    const decrypted = await run(args);
    assert.equal(decrypted.code, 1);
    assert.match(
      decrypted.stderr,
      /step "connect-redis" failed: Cannot connect to Redis at 127\.0\.0\.1:1/,
    );

    const last = encrypted.at(-2) === "A" ? "B" : "A";
    const tampered = encrypted.slice(0, -2) + last + encrypted.at(-1);
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ redis: { url: tampered } }));
    const refused = await run(args);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /step "load-config" failed: .*\/redis\/url/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hub CLI: config encrypt warns on stderr to back up a master key it creates", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hub_cli_" });
  try {
    const first = await encrypt(["--data-dir", `${dir}/new`], "s3cret\n");
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^enc:v1:1:\S+\n$/);
    assert.equal(
      first.stderr,
      `hub: warning: Created master key file "${dir}/new/master.key"; back it up: encrypted values cannot be recovered without it\n`,
    );
    assert.equal((await Deno.stat(`${dir}/new/master.key`)).mode! & 0o777, 0o600);

    const again = await encrypt(["--data-dir", `${dir}/new`], "s3cret\n");
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, "", "an existing master key is used without a warning");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
