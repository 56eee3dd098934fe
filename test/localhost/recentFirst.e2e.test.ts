import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Embedded } from "../../scripts/local/embedded";
import { startEmbedded } from "../../scripts/local/embedded";
import { feedById } from "../../src/feeds";
import { ingestionStatus } from "../../src/http/control";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { manualClock } from "../../simulator/index";
import { compareIds, expectedEventIds, readTables } from "./helpers";

/** Monday 2024-11-18 12:07 UTC, as the other simulator tests. */
const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Issue 15: with real-like settings (a week of history, the default lag, late horizon and backfill
 * budget) one cycle on a fresh install must land the last hours of every JSON feed — not the oldest.
 * The same run checks that the health table, the status route and its summary agree per cursor.
 */
describe("a fresh install's first cycle (real-like settings)", () => {
  let e: Embedded;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "ms-recent-"));
    e = await startEmbedded({
      dataDir,
      seed: 11,
      simClock: manualClock(NOW),
      simulator: { eventsPerDay: 300 },
      settings: {
        MIMECAST_FEEDS: "dlp,ttp-url,siem-ci",
        MIMECAST_START_DATE: new Date(NOW - 7 * DAY).toISOString(),
        MIMECAST_LOG_LEVEL: "error",
      },
    });
    await e.host.startNew(FUNCTIONS.supervisor, {
      instanceId: SUPERVISOR_INSTANCE_ID,
      input: { cycle: 0, maxCycles: 1 },
    });
    await e.host.idle();
  });
  after(async () => {
    await e.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lands every JSON-feed event of the last two hours (ground truth), though a week is still to do", async () => {
    const tables = readTables(join(dataDir, "tables"));
    const lagMs = e.host.runtime.config.ingestion.lagMs;
    for (const feedId of ["dlp", "ttp-url"]) {
      const feed = feedById(feedId)!;
      const expected = expectedEventIds(e.sim, feedId, {
        from: NOW - 2 * HOUR,
        to: NOW - lagMs,
        publishedBy: NOW,
      });
      assert.ok(expected.length > 10, `${feedId}: the simulator has recent events`);
      const rows = tables.get(feed.defaultTable) ?? [];
      const { missing } = compareIds(
        expected,
        rows.map((r) => String(r["EventId"])),
      );
      assert.deepEqual(missing, [], `${feedId}: recent events missing after the first cycle`);
    }
    const status = await ingestionStatus(e.host.controlDeps());
    const dlp = (status.body["cursors"] as { cursor: string; status: string; backlogWindows: number }[]).find(
      (c) => c.cursor === "dlp",
    )!;
    assert.equal(dlp.status, "behind", "older history is still to come");
    assert.ok(dlp.backlogWindows > 0);
  });

  it("the health table, the status route and its one-line summary agree per cursor; SIEM cursors have a lag", async () => {
    const health = (readTables(join(dataDir, "tables")).get("MimecastConnectorHealth_CL") ?? []).filter(
      (r) => r["Cycle"] === 0,
    );
    const status = await ingestionStatus(e.host.controlDeps());
    const cursors = status.body["cursors"] as {
      cursor: string;
      kind: string;
      status: string;
      lagSeconds?: number;
      backlogWindows: number;
    }[];
    const summary = status.body["summary"] as string[];
    assert.equal(health.length, cursors.length);
    assert.equal(summary.length, cursors.length, "one summary line per cursor");
    for (const [i, c] of cursors.entries()) {
      const row = health.find((r) => r["Cursor"] === c.cursor);
      assert.ok(row, `health row for ${c.cursor}`);
      assert.equal(row["Status"], c.status, `${c.cursor}: status`);
      assert.equal(row["BacklogWindows"], c.backlogWindows, `${c.cursor}: backlog`);
      assert.equal(row["LagSeconds"], c.lagSeconds, `${c.cursor}: lag`);
      assert.ok(summary[i]!.startsWith(`${c.cursor}: ${c.status} · `), summary[i]);
      if (c.kind === "siem-day") assert.equal(typeof c.lagSeconds, "number", `${c.cursor}: lag is known`);
    }
  });
});
