/**
 * `deno task test`: runs the suite, naming the service suites it skips and
 * the variable that enables each. With `HUB_TEST_REQUIRE_SERVICES=1` (CI) a
 * missing service variable is an error instead of a skip.
 *
 * @module
 */

const SERVICES = [
  {
    suites: "PostgreSQL",
    variable: "HUB_TEST_DATABASE_URL",
    example: "postgres://postgres@127.0.0.1:5432/test",
  },
  { suites: "Redis", variable: "HUB_TEST_REDIS_URL", example: "redis://127.0.0.1:6379" },
];

const required = Deno.env.get("HUB_TEST_REQUIRE_SERVICES") === "1";
const missing = SERVICES.filter((service) => !Deno.env.get(service.variable));

if (required && missing.length > 0) {
  for (const service of missing) {
    console.error(
      `tests: the ${service.suites} suites are required but ${service.variable} is not set`,
    );
  }
  Deno.exit(1);
}

const skipNotes = missing.map((service) =>
  `Skipping the ${service.suites} suites: set ${service.variable} (e.g. ${service.variable}=${service.example}) to run them.`
);
for (const note of skipNotes) console.log(note);

const args = Deno.args.length > 0 ? Deno.args : ["tests/"];
// Type-check the whole tree once, up front, then test without checking: `deno test` would
// otherwise type-check each Worker entry as it spawns, inside the tests' start deadlines.
const check = await new Deno.Command(Deno.execPath(), {
  args: ["check", "--quiet", "src/", "tests/", "bench/", "tools/"],
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
if (!check.success) {
  console.error("tests: type check failed");
  Deno.exit(check.code || 1);
}
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--no-prompt", "--no-check", ...args],
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
const { code } = await child.status;
for (const note of skipNotes) console.log(note);
Deno.exit(code);
