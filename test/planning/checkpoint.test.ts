import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { zeroCounts } from "../../src/ingest/types";
import {
  advanceWatermark,
  clampToRetention,
  initialCheckpoint,
  mergeRanges,
  recordResult,
  resetCheckpoint,
} from "../../src/planning/checkpoint";
import type { UnitResult, WorkUnit } from "../../src/planning/types";

const H = 3_600_000;
const T0 = Date.UTC(2024, 10, 1);
const window = (from: number, to: number): Extract<WorkUnit, { kind: "time-window" }> => ({
  kind: "time-window",
  key: "dlp",
  feedId: "dlp",
  from: T0 + from * H,
  to: T0 + to * H,
  origin: T0,
});
const counts = (ingested: number) => ({ ...zeroCounts(), ingested, fetched: ingested });
const completed = (n = 1): UnitResult => ({ kind: "completed", counts: counts(n), resume: {} });
const partial = (resume: unknown, n = 1): UnitResult => ({
  kind: "partial",
  counts: counts(n),
  resume,
  reason: "budget",
});
const failed: UnitResult = {
  kind: "failed",
  counts: zeroCounts(),
  resume: { skipRecords: 0 },
  reason: "HTTP 400",
  retryable: false,
};

describe("watermark movement", () => {
  it("moves over the contiguous prefix of finished windows only", () => {
    assert.deepEqual(
      advanceWatermark(0, [
        { from: 0, to: 5 },
        { from: 5, to: 9 },
        { from: 12, to: 20 },
      ]),
      {
        watermark: 9,
        covered: [{ from: 12, to: 20 }],
      },
    );
  });

  it("never moves backwards, whatever is covered", () => {
    assert.equal(advanceWatermark(100, [{ from: 0, to: 50 }]).watermark, 100);
    assert.deepEqual(advanceWatermark(100, [{ from: 0, to: 50 }]).covered, []);
  });

  it("merges touching and overlapping ranges", () => {
    assert.deepEqual(
      mergeRanges([
        { from: 5, to: 8 },
        { from: 0, to: 5 },
        { from: 7, to: 10 },
        { from: 20, to: 21 },
      ]),
      [
        { from: 0, to: 10 },
        { from: 20, to: 21 },
      ],
    );
  });

  it("a failed middle window holds the watermark before it; filling it releases the later windows", () => {
    let state = initialCheckpoint("dlp");
    state = recordResult(state, window(0, 1), completed(), 1);
    state = recordResult(state, window(1, 2), failed, 2);
    assert.equal(state.consecutiveFailures, 1);
    state = recordResult(state, window(2, 3), completed(), 3);
    assert.equal(state.watermark, T0 + 1 * H, "held before the failed window");
    assert.deepEqual(state.covered, [{ from: T0 + 2 * H, to: T0 + 3 * H }]);
    assert.equal(state.open.length, 1);
    assert.equal(state.lastError?.message, "HTTP 400", "the error stays visible after later successes");

    state = recordResult(state, window(1, 2), completed(), 4);
    assert.equal(state.watermark, T0 + 3 * H, "moves over both once the gap is filled");
    assert.deepEqual(state.covered, []);
    assert.deepEqual(state.open, []);
    assert.equal(state.consecutiveFailures, 0);
  });

  it("the first window to finish being a later one does not skip history: the origin anchors it", () => {
    const state = recordResult(initialCheckpoint("dlp"), window(5, 6), completed(), 1);
    assert.equal(state.watermark, T0, "stays at the origin");
    assert.deepEqual(state.covered, [{ from: T0 + 5 * H, to: T0 + 6 * H }]);
  });

  it("a partial window keeps its exact resume point and is replaced, not duplicated, by later progress", () => {
    let state = recordResult(
      initialCheckpoint("dlp"),
      window(0, 1),
      partial({ pageToken: "p2", skipRecords: 3 }),
      1,
    );
    state = recordResult(state, window(0, 1), partial({ pageToken: "p3", skipRecords: 0 }), 2);
    assert.deepEqual(state.open, [{ from: T0, to: T0 + H, resume: { pageToken: "p3", skipRecords: 0 } }]);
    assert.equal(state.watermark, T0);
    assert.equal(state.totals.ingested, 2);
  });

  it("rate-limited results keep the window open and remember until when", () => {
    const result: UnitResult = {
      kind: "rate-limited",
      counts: zeroCounts(),
      resume: { skipRecords: 0 },
      until: T0 + 99,
    };
    const state = recordResult(initialCheckpoint("dlp"), window(0, 1), result, 1);
    assert.equal(state.rateLimitedUntil, T0 + 99);
    assert.equal(state.open.length, 1);
  });
});

describe("cursor kinds", () => {
  const siem: WorkUnit = {
    kind: "siem-day",
    key: "siem-cg~av",
    feedId: "siem-cg",
    type: "av",
    fromDay: "2024-11-01",
  };

  it("a SIEM cursor takes the unit's resume point, also from a partial or failed unit", () => {
    let state = recordResult(
      initialCheckpoint("siem-cg~av"),
      siem,
      partial({ cursor: "c1", fileIndex: 2, line: 40 }),
      1,
    );
    assert.deepEqual(state.cursor, { cursor: "c1", fileIndex: 2, line: 40 });
    state = recordResult(state, siem, { ...failed, resume: { cursor: "c1", fileIndex: 3, line: 1 } }, 2);
    assert.deepEqual(state.cursor, { cursor: "c1", fileIndex: 3, line: 1 });
  });

  it("a snapshot is complete only when its unit completes", () => {
    const unit: WorkUnit = { kind: "snapshot", key: "awareness", feedId: "awareness", snapshotTime: 1000 };
    let state = recordResult(initialCheckpoint("awareness"), unit, partial({ page: 2 }), 1);
    assert.deepEqual(state.openSnapshot, { snapshotTime: 1000, resume: { page: 2 } });
    assert.equal(state.lastSnapshotAt, undefined);
    state = recordResult(state, { ...unit, resume: { page: 2 } }, completed(), 2);
    assert.equal(state.lastSnapshotAt, 1000);
    assert.equal(state.openSnapshot, undefined);
  });
});

describe("retention and resets", () => {
  it("history past the API's retention is skipped once and reported, not retried forever", () => {
    const state = clampToRetention({ ...initialCheckpoint("audit"), watermark: 100 }, 1100);
    assert.equal(state.watermark, 1100);
    assert.equal(state.skippedMs, 1000);
    assert.match(state.lastError?.message ?? "", /retention/);
  });

  it("a reset is audited with who, why and the previous position, and keeps the totals", () => {
    let state = recordResult(initialCheckpoint("dlp"), window(0, 1), completed(7), 1);
    state = resetCheckpoint(state, {
      at: 5,
      by: "alice",
      reason: "re-ingest after DCR fix",
      watermark: T0 - H,
    });
    assert.equal(state.watermark, T0 - H);
    assert.equal(state.totals.ingested, 7);
    assert.deepEqual(state.resets, [
      { at: 5, by: "alice", reason: "re-ingest after DCR fix", previous: { watermark: T0 + H } },
    ]);
  });

  it("keeps the state small: the reset log is capped", () => {
    let state = initialCheckpoint("dlp");
    for (let i = 0; i < 20; i += 1)
      state = resetCheckpoint(state, { at: i, by: "bob", reason: "test reset" });
    assert.equal(state.resets.length, 5);
    assert.ok(JSON.stringify(state).length < 16_000);
  });
});

describe("late-event sweep bookkeeping", () => {
  const recent = (from: number, to: number): WorkUnit => ({ ...window(from, to), collectDigest: true });

  it("a recent window's completed first pass waits for its sweep; the sweep adds late events and ends it", () => {
    let state = recordResult(initialCheckpoint("dlp"), recent(0, 1), completed(5), 1);
    assert.deepEqual(
      state.sweeps?.map((w) => [w.from, w.to]),
      [[T0, T0 + H]],
    );
    assert.equal(state.watermark, T0 + H);
    const sweep = (stage: number): WorkUnit => ({ ...window(0, 1), sweep: true, sweepStage: stage });
    state = recordResult(state, sweep(0), partial({ pageToken: "p2", skipRecords: 0 }, 1), 2);
    assert.deepEqual(state.sweeps?.[0]?.resume, { pageToken: "p2", skipRecords: 0 });
    assert.equal(state.sweeps?.[0]?.stage, 0, "a partial sweep resumes at the same stage");
    state = recordResult(state, { ...sweep(0), resume: { pageToken: "p2" } }, completed(2), 3);
    assert.equal(state.sweeps?.[0]?.stage, 1, "then waits for the next, later sweep");
    assert.equal(state.sweeps?.[0]?.resume, undefined);
    state = recordResult(state, sweep(1), completed(0), 4);
    state = recordResult(state, sweep(2), completed(1), 5);
    assert.deepEqual(state.sweeps, [], "the last sweep ends it");
    assert.equal(state.lateFound, 4);
    assert.equal(state.watermark, T0 + H, "a sweep never moves the watermark");
  });

  it("a window too busy for a digest is counted as not swept, also when only an earlier part overflowed", () => {
    let state = recordResult(
      initialCheckpoint("dlp"),
      recent(0, 1),
      { ...completed(9), digestOverflow: true },
      1,
    );
    assert.equal(state.unswept, 1);
    assert.deepEqual(state.sweeps ?? [], []);
    state = recordResult(
      state,
      recent(1, 2),
      { ...partial({ skipRecords: 0 }, 4000), digestOverflow: true },
      2,
    );
    assert.equal(state.open[0]?.noSweep, true);
    assert.equal(state.open[0]?.collecting, true);
    state = recordResult(state, recent(1, 2), completed(1), 3);
    assert.equal(state.unswept, 2);
    assert.deepEqual(state.sweeps ?? [], []);
  });

  it("backfill windows (not recent) are never swept", () => {
    const state = recordResult(initialCheckpoint("dlp"), window(0, 1), completed(5), 1);
    assert.equal(state.sweeps, undefined);
  });
});
