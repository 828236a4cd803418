import assert from "node:assert/strict";
import { spawnTaskStart } from "../helpers/hub_process.ts";

// `deno task` forwards the signals it gets to the hub, so a signal to the whole process group
// (systemd stopping the unit, Ctrl-C in a terminal) reaches the hub twice. Before the hub
// counted only a repeat a second later as "exit at once", this exited 130 mid-drain.
Deno.test({
  name: "hub serve: SIGTERM to the process group of `deno task start` drains and exits 0",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "hub_task_start_" });
    try {
      const hub = spawnTaskStart(["--port", "0", "--data-dir", dataDir]);
      await hub.waitForLine(/"Hub ready on/);
      Deno.kill(-hub.child.pid, "SIGTERM");
      const status = await hub.status;
      assert.equal(status.code, 0, await hub.stderr);
      assert.ok(hub.lines.some((line) => line.includes('"Received \\"SIGTERM\\", draining"')));
      assert.ok(hub.lines.some((line) => line.includes("Hub stopped")), hub.lines.join("\n"));
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
