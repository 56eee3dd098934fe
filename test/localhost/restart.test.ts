import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { manualClock } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";

const NOW = Date.parse("2024-11-18T12:07:00Z");

describe("local host restarts", () => {
  it("runs a new supervisor started under the id of one it just terminated (npm start --cycles after a kill)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "restart-"));
    const embedded = await startEmbedded({
      dataDir,
      simClock: manualClock(NOW),
      settings: { MIMECAST_FEEDS: "dlp", MIMECAST_START_DATE: new Date(NOW - 3_600_000).toISOString() },
    });
    try {
      const { host } = embedded;
      const start = (maxCycles: number): Promise<string> =>
        host.startNew(FUNCTIONS.supervisor, {
          instanceId: SUPERVISOR_INSTANCE_ID,
          input: { cycle: 0, maxCycles },
        });
      await start(1_000);
      await host.terminate(SUPERVISOR_INSTANCE_ID, "restarted");
      await host.idle();
      await start(1);
      await host.idle();
      const status = await host.getStatus(SUPERVISOR_INSTANCE_ID);
      assert.equal(String(status.runtimeStatus), "Completed");
      assert.equal((status.output as { cycle: number }).cycle, 0);
    } finally {
      await embedded.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
