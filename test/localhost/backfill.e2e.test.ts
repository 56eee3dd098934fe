import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startEmbedded } from "../../scripts/local/embedded";
import { startBackfill, ingestionStatus } from "../../src/http/control";
import type { BackfillProgress } from "../../src/orchestrators/backfill";
import { manualClock } from "../../simulator/index";
import { compareIds, expectedEventIds, readTables } from "./helpers";

const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const DAY = 86_400_000;

describe("backfill requests (local host, simulated clock)", () => {
  it("a backfill runs as its own instance over exactly the requested range, and status shows its progress", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-backfill-"));
    const e = await startEmbedded({
      dataDir,
      seed: 3,
      simClock: manualClock(NOW),
      simulator: { eventsPerDay: 300 },
      settings: {
        MIMECAST_FEEDS: "dlp,audit",
        MIMECAST_START_DATE: new Date(NOW - DAY).toISOString(),
        MIMECAST_LOG_LEVEL: "error",
      },
    });
    try {
      const deps = e.host.controlDeps("test");
      const from = new Date(NOW - 10 * DAY).toISOString();
      const to = new Date(NOW - 5 * DAY).toISOString();
      const refused = await startBackfill(deps, {
        feeds: ["dlp"],
        from,
        to: new Date(NOW + DAY).toISOString(),
      });
      assert.equal(refused.status, 400, "a range into the future is refused");
      const started = await startBackfill(deps, { feeds: ["dlp", "audit"], from, to });
      assert.equal(started.status, 202);
      await e.host.idle();
      const instanceId = String(started.body["instanceId"]);
      const done = await e.host.getStatus(instanceId);
      assert.equal(String(done.runtimeStatus), "Completed");
      const progress = done.output as BackfillProgress;
      assert.equal(progress.done, true);
      assert.deepEqual(
        progress.feeds.map((f) => [f.feedId, f.watermark, f.backlogWindows]),
        [
          ["dlp", Date.parse(to), 0],
          ["audit", Date.parse(to), 0],
        ],
      );

      const tables = readTables(join(dataDir, "tables"));
      for (const [feed, table] of [
        ["dlp", "Seg_Dlp_CL"],
        ["audit", "Audit_CL"],
      ] as const) {
        const expected = expectedEventIds(e.sim, feed, { from: Date.parse(from), to: Date.parse(to) });
        const actual = (tables.get(table) ?? []).map((r) => String(r["EventId"]));
        const comparison = compareIds(expected, actual);
        assert.deepEqual(
          [comparison.missing, comparison.duplicated, comparison.unexpected],
          [[], [], []],
          feed,
        );
        assert.ok(expected.length > 100);
      }

      const status = await ingestionStatus(deps);
      const backfills = status.body["backfills"] as { instanceId: string; runtimeStatus: string }[];
      assert.deepEqual(
        backfills.map((b) => [b.instanceId, b.runtimeStatus]),
        [[instanceId, "Completed"]],
      );
    } finally {
      await e.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
