import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startEmbedded } from "../../scripts/local/embedded";
import type { Embedded } from "../../scripts/local/embedded";
import { feedById } from "../../src/feeds";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import type { CheckpointState } from "../../src/planning/types";
import { manualClock } from "../../simulator/index";
import type { SimulatorOptions } from "../../simulator/index";
import { compareIds, expectedEventIds, readTables } from "./helpers";

const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const H = 3_600_000;
const FEEDS = ["dlp", "ttp-url", "audit"];

/** The local host with a 60 s lag, a 2 h late horizon and a 10-minute schedule, from 6 h back. */
async function sweptRun(
  feeds: readonly string[],
  seed: number,
  simulator: Partial<SimulatorOptions>,
): Promise<{ dataDir: string; simClock: ReturnType<typeof manualClock>; e: Embedded }> {
  const dataDir = mkdtempSync(join(tmpdir(), "ms-late-"));
  const simClock = manualClock(NOW);
  const e = await startEmbedded({
    dataDir,
    seed,
    simClock,
    simulator,
    settings: {
      MIMECAST_FEEDS: feeds.join(","),
      MIMECAST_START_DATE: new Date(NOW - 6 * H).toISOString(),
      MIMECAST_LAG_SECONDS: "60",
      MIMECAST_LATE_HORIZON_SECONDS: "7200",
      MIMECAST_SCHEDULE: "0 */10 * * * *",
      MIMECAST_LOG_LEVEL: "error",
    },
  });
  return { dataDir, simClock, e };
}

async function runCycles(e: Embedded, maxCycles: number): Promise<void> {
  await e.host.startNew(FUNCTIONS.supervisor, {
    instanceId: SUPERVISOR_INSTANCE_ID,
    input: { cycle: 0, maxCycles },
  });
  await e.host.idle();
}

describe("late events (local host, simulated clock)", () => {
  it("a short lag stays fresh and the late-event sweep still delivers every late event exactly once", async () => {
    // 20% of events arrive up to 2 h after their time: far more than the 60 s lag.
    const { dataDir, simClock, e } = await sweptRun(FEEDS, 11, {
      eventsPerDay: 400,
      lateFraction: 0.2,
      maxLateMs: 2 * H,
    });
    try {
      await runCycles(e, 20);
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
  it("a window that sent nothing keeps no digest entity, and its sweep still sends each late event once", async () => {
    const feedId = "audit";
    const lagMs = 60_000;
    const tickMs = 10 * 60_000;
    // About one event per 80 minutes, half of them up to 90 min late: most windows are empty at their
    // first pass, and some get their only events afterwards.
    const { dataDir, simClock, e } = await sweptRun([feedId], 5, {
      eventsPerDay: 18,
      lateFraction: 0.5,
      maxLateMs: 1.5 * H,
    });
    try {
      await runCycles(e, 30);
      const end = simClock.now();
      const feed = feedById(feedId)!;
      const rows = readTables(join(dataDir, "tables")).get(feed.defaultTable) ?? [];
      const times = rows.map((r) => Date.parse(String(r["EventTime"])));
      const state = (
        await e.host.readEntityState<CheckpointState>({ name: FUNCTIONS.checkpoint, key: feedId })
      ).entityState!;
      // Oracle: the rows the sink holds. A digest exists only for a window something was sent for.
      const digests = e.host.entityIds().filter((id) => id.startsWith(`@mimecastdigest@${feedId}@`));
      for (const id of digests) {
        const from = Number(id.slice(id.lastIndexOf("@") + 1));
        const window = (state.sweeps ?? []).find((w) => w.from === from);
        assert.ok(window, `${id} belongs to a window still to be swept`);
        const sent = times.filter((t) => t >= from && t < window.to).length;
        assert.ok(sent > 0, `${id}: a digest for a window that sent nothing`);
      }
      const pending = (state.sweeps ?? []).length;
      assert.ok(
        pending > digests.length,
        `some pending windows are empty (${pending} pending, ${digests.length} digests)`,
      );
      // Windows (15 min) whose every event was published after their first pass had surely run: the
      // first pass sent nothing and the sweep alone delivered them.
      const settled = end - 2 * H - tickMs;
      let lateOnly = 0;
      for (let from = NOW - 6 * H; from + 15 * 60_000 <= settled; from += 15 * 60_000) {
        const to = from + 15 * 60_000;
        const events = [...e.sim.groundTruth(feedId, { from, to })];
        if (events.length > 0 && events.every((x) => x.publishTime > to + lagMs + tickMs)) lateOnly += 1;
      }
      assert.ok(lateOnly > 0, "the run has windows whose only events came after their first pass");
      const expected = expectedEventIds(e.sim, feedId, { from: NOW - 6 * H, to: settled });
      const comparison = compareIds(
        expected,
        rows.filter((_r, i) => times[i]! < settled).map((r) => String(r["EventId"])),
      );
      assert.deepEqual(comparison, { missing: [], duplicated: [], unexpected: [] });
      const all = rows.map((r) => String(r["EventId"]));
      assert.equal(new Set(all).size, all.length, "nothing twice anywhere");
    } finally {
      await e.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
