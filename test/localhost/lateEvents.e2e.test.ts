import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startEmbedded } from "../../scripts/local/embedded";
import { feedById } from "../../src/feeds";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import type { CheckpointState } from "../../src/planning/types";
import { manualClock } from "../../simulator/index";
import { compareIds, expectedEventIds, readTables } from "./helpers";

const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const H = 3_600_000;
const FEEDS = ["dlp", "ttp-url", "audit"];

describe("late events (local host, simulated clock)", () => {
  it("a short lag stays fresh and the late-event sweep still delivers every late event exactly once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-late-"));
    const simClock = manualClock(NOW);
    const e = await startEmbedded({
      dataDir,
      seed: 11,
      simClock,
      // 20% of events arrive up to 2 h after their time: far more than the 60 s lag.
      simulator: { eventsPerDay: 400, lateFraction: 0.2, maxLateMs: 2 * H },
      settings: {
        MIMECAST_FEEDS: FEEDS.join(","),
        MIMECAST_START_DATE: new Date(NOW - 6 * H).toISOString(),
        MIMECAST_LAG_SECONDS: "60",
        MIMECAST_LATE_HORIZON_SECONDS: "7200",
        MIMECAST_SCHEDULE: "0 */10 * * * *",
        MIMECAST_LOG_LEVEL: "error",
      },
    });
    try {
      await e.host.startNew(FUNCTIONS.supervisor, {
        instanceId: SUPERVISOR_INSTANCE_ID,
        input: { cycle: 0, maxCycles: 20 },
      });
      await e.host.idle();
      assert.equal(String((await e.host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus), "Completed");
      const end = simClock.now();
      assert.ok(end > NOW + 3 * H, "more than the horizon of simulated time passed");
      // Every window that ended more than the horizon (plus one cycle) ago has been swept.
      const settled = end - 2 * H - 20 * 60_000;
      const tables = readTables(join(dataDir, "tables"));
      let late = 0;
      for (const feedId of FEEDS) {
        const feed = feedById(feedId)!;
        const state = (
          await e.host.readEntityState<CheckpointState>({ name: FUNCTIONS.checkpoint, key: feedId })
        ).entityState!;
        late += state.lateFound ?? 0;
        assert.ok(
          (state.watermark ?? 0) > end - 10 * 60_000,
          `${feedId} stays fresh (watermark near now − lag)`,
        );
        const rows = tables.get(feed.defaultTable) ?? [];
        const inRange = rows.filter((r) => Date.parse(String(r["EventTime"])) < settled);
        const expected = expectedEventIds(e.sim, feedId, { from: NOW - 6 * H, to: settled });
        const comparison = compareIds(
          expected,
          inRange.map((r) => String(r["EventId"])),
        );
        assert.deepEqual(comparison.missing, [], `${feedId}: no late event lost`);
        assert.deepEqual(comparison.duplicated, [], `${feedId}: the sweep sent nothing twice`);
        assert.deepEqual(comparison.unexpected, []);
        const all = rows.map((r) => String(r["EventId"]));
        assert.equal(new Set(all).size, all.length, `${feedId}: nothing twice anywhere`);
      }
      assert.ok(late > 10, `the sweeps found ${late} late events`);
    } finally {
      await e.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
