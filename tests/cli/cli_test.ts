import assert from "node:assert/strict";
import { spawnHub } from "../helpers/hub_process.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const hub = spawnHub(args, env);
  const status = await hub.status;
  return { code: status.code, stdout: hub.lines.join("\n"), stderr: await hub.stderr };
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

Deno.test("hub CLI: config encrypt prints a value the hub decrypts; a tampered one fails startup naming the field", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hub_cli_" });
  try {
    const keyFile = `${dir}/master.key`;
    await Deno.writeTextFile(keyFile, "1:" + "k".repeat(32) + "\n", { mode: 0o600 });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../src/main.ts", import.meta.url).pathname,
        "config",
        "encrypt",
        "--master-key-file",
        keyFile,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("redis://127.0.0.1:1\n"));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const encrypted = new TextDecoder().decode(output.stdout).trim();
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
