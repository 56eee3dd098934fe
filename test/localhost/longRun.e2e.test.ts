import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startEmbedded } from "../../scripts/local/embedded";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { manualClock } from "../../simulator/index";
import type { FeedKey } from "../../simulator/index";

/**
 * Seven simulated days on the local Durable engine (the registered handlers, the SQLite store): what the
 * task hub holds must stay bounded. Every first-pass window that sent events stores a digest entity for
 * its late-event sweeps; each must be deleted after its last sweep, or a JSON cursor leaves ~12 per day
 * behind here (every 4 h) and ~288 a day on the default 5-minute schedule.
 */
const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FEEDS: FeedKey[] = ["dlp", "audit"];
/** One cycle every 4 hours: 42 cycles in 7 days. */
const SCHEDULE = "0 0 */4 * * *";
const CYCLES_PER_DAY = 6;
const CYCLE_MS = 4 * HOUR;
/** Late-event sweeps per window (10 min, 30 min, 2 h) and the 15-minute windows one cycle plans. */
const SWEEP_STAGES = 3;
const WINDOWS_PER_CYCLE = 16;

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("a seven-day run on the local engine", () => {
  it("ends with a bounded number of entities and instances: digests are deleted after their last sweep", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-long-"));
    dirs.push(dataDir);
    const simClock = manualClock(NOW);
    const e = await startEmbedded({
      dataDir,
      seed: 11,
      simClock,
      simulator: { eventsPerDay: 40 },
      settings: {
        MIMECAST_FEEDS: FEEDS.join(","),
        MIMECAST_SCHEDULE: SCHEDULE,
        MIMECAST_START_DATE: new Date(NOW - DAY).toISOString(),
        MIMECAST_LOG_LEVEL: "error",
      },
    });
    try {
      const digests = (): string[] => e.host.entityIds().filter((id) => id.startsWith("@mimecastdigest@"));
      const samples: Array<{ day: number; entities: number; digests: number }> = [];
      await e.host.startNew(FUNCTIONS.supervisor, {
        instanceId: SUPERVISOR_INSTANCE_ID,
        input: { cycle: 0, maxCycles: CYCLES_PER_DAY + 1 },
      });
      await e.host.idle();
      for (let day = 1; day <= 7; day += 1) {
        // Each day: six more cycles, as the same eternal supervisor (a new generation per start).
        if (day > 1)
          await e.host.startNew(FUNCTIONS.supervisor, {
            instanceId: SUPERVISOR_INSTANCE_ID,
            input: { cycle: 0, maxCycles: CYCLES_PER_DAY + 1 },
          });
        if (day > 1) await e.host.idle();
        samples.push({ day, entities: e.host.entityIds().length, digests: digests().length });
      }
      const status = await e.host.getStatus(SUPERVISOR_INSTANCE_ID);
      assert.equal(String(status.runtimeStatus), "Completed");
      const reached = simClock.now();
      const report = samples
        .map((x) => `day ${x.day}: ${x.entities} entities, ${x.digests} digests`)
        .join("; ");
      assert.ok(
        reached - NOW >= 7 * DAY - HOUR,
        `simulated ${((reached - NOW) / DAY).toFixed(1)} days (${report})`,
      );

      const last = samples[samples.length - 1]!;
      // A window's digest lives from its first pass to its last sweep: at most one cycle's windows per
      // sweep stage and cursor, whatever the run's length (never deleted: ~16 more per cursor and cycle).
      // And only a window that sent something has one: a cursor's windows are disjoint, so it has no
      // more digests than events (the simulator's ground truth) in the windows still to be swept — those
      // of the last SWEEP_STAGES cycles, one more for margin. At 40 events a day most windows are empty.
      const span = { from: reached - (SWEEP_STAGES + 1) * CYCLE_MS, to: reached };
      const bound = FEEDS.reduce(
        (sum, feed) =>
          sum + Math.min(SWEEP_STAGES * WINDOWS_PER_CYCLE, [...e.sim.groundTruth(feed, span)].length),
        0,
      );
      assert.ok(last.digests <= bound, `digest entities at the end: ${last.digests} > ${bound} (${report})`);
      const first = samples[0]!;
      assert.ok(last.entities <= first.entities + FEEDS.length, `entities grew: ${report}`);
      const instances = await e.host.getStatusBy();
      assert.ok(instances.length <= 3, `instances in the store: ${instances.length}`);
    } finally {
      await e.close();
    }
  });
});
