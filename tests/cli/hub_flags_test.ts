import assert from "node:assert/strict";
import { parseFlags, UsageError } from "../../src/cli/args.ts";
import { HUB_FLAGS, toCliFlags } from "../../src/cli/hub_flags.ts";

const flagsOf = (args: string[]) => toCliFlags(parseFlags(args, HUB_FLAGS));

Deno.test("toCliFlags() reads the logging flags", () => {
  const flags = flagsOf(["--log-format", "json", "--log-level", "WARNING", "--no-access-log"]);
  assert.equal(flags.logFormat, "json");
  assert.equal(flags.logLevel, "warning");
  assert.equal(flags.accessLog, false);
  const none = flagsOf([]);
  assert.deepEqual(
    [none.logFormat, none.logLevel, none.accessLog],
    [undefined, undefined, undefined],
    "unset flags leave the environment and config file in charge",
  );
});

Deno.test("toCliFlags() refuses a bad logging value as a usage error naming the flag", () => {
  assert.throws(() => flagsOf(["--log-format", "xml"]), (error) => {
    assert.ok(error instanceof UsageError);
    assert.equal(
      error.message,
      'Invalid value for --log-format: "xml" is not a log format (pretty, json)',
    );
    return true;
  });
  assert.throws(() => flagsOf(["--log-level", "loud"]), /Invalid value for --log-level/);
  assert.throws(() => flagsOf(["--port", "x"]), /Invalid value for --port/);
});
