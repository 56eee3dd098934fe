import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { cursorKey, cursorsFor } from "../../src/planning/cursors";
import { initialCheckpoint, recordResult } from "../../src/planning/checkpoint";
import { chunk, gaps, planCycle, planCursor, RETENTION_MARGIN_MS } from "../../src/planning/planner";
import { nextTick } from "../../src/planning/schedule";
import type { CheckpointState, CursorDescriptor, CycleSettings } from "../../src/planning/types";

const ZERO = { fetched: 0, ingested: 0, deadLettered: 0, ambiguous: 0, pages: 0 };
const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);

const dlp: CursorDescriptor = {
  key: "dlp",
  feedId: "dlp",
  kind: "time-window",
  maxWindowMs: D,
  retentionDays: 90,
  lagMs: 5 * 60_000,
};
const audit: CursorDescriptor = {
  key: "audit",
  feedId: "audit",
  kind: "time-window",
  maxWindowMs: D,
  retentionDays: 60,
  lagMs: 5 * 60_000,
};
const settings = (cursors: CursorDescriptor[], startTimeMs = NOW - 60 * D): CycleSettings => ({
  cursors,
  startTimeMs,
  schedule: "0 */5 * * * *",
  maxParallel: 4,
  maxPerFeed: 2,
  maxBackfillWindowsPerCycle: 8,
  maxContinuationsPerCycle: 10,
});

describe("planner: first run backfill", () => {
  it("chunks history from the start date by the feed's max window; live window first, then backfill newest first", () => {
    const plan = planCursor(dlp, initialCheckpoint("dlp"), settings([dlp]), NOW);
    const head = NOW - dlp.lagMs;
    assert.equal(plan.live.length, 1);
    const live = plan.live[0]!;
    assert.equal(live.kind === "time-window" && live.to, head, "the live window ends at now − lag");
    assert.equal(plan.backfill.length, 8, "bounded per cycle");
    // Issue 15: a user who just connected wants the last hours first, not the oldest day.
    const windows = plan.backfill.map((u) => (u.kind === "time-window" ? u : assert.fail("time window")));
    assert.equal(
      windows[0]!.to,
      live.kind === "time-window" && live.from,
      "backfill starts right below the live window",
    );
    for (let i = 1; i < windows.length; i += 1) {
      assert.equal(windows[i]!.to, windows[i - 1]!.from, "each backfill window is the one just older");
    }
    assert.ok(
      windows.every((u) => u.to - u.from <= D && u.origin === NOW - 60 * D),
      "anchored at the start date",
    );
    assert.equal(plan.backlogWindows, 60, "60 days minus the lag, in 1-day windows");
  });

  it("clamps the start to each feed's API retention (audit keeps 60 days)", () => {
    const plan = planCursor(audit, initialCheckpoint("audit"), settings([audit], NOW - 90 * D), NOW);
    const first = plan.backfill[0]!;
    assert.equal(first.kind === "time-window" && first.origin, NOW - 60 * D + RETENTION_MARGIN_MS);
  });

  it("puts every cursor's live window before any backfill, and interleaves backfill across feeds", () => {
    const plan = planCycle(settings([dlp, audit]), {}, NOW);
    assert.deepEqual(
      plan.units.slice(0, 2).map((u) => u.key),
      ["dlp", "audit"],
    );
    assert.deepEqual(
      plan.units.slice(2, 6).map((u) => u.key),
      ["dlp", "audit", "dlp", "audit"],
    );
  });
});

describe("planner: newest-first backfill keeps the checkpoint protocol", () => {
  it("cycle after cycle of completed units: the watermark stays at the origin until the oldest window is in, then covers everything; no window twice", () => {
    const s = settings([dlp]);
    let state = initialCheckpoint("dlp");
    const seen = new Set<string>();
    const watermarks: (number | undefined)[] = [];
    for (let cycle = 0; cycle < 20 && state.watermark !== NOW - dlp.lagMs; cycle += 1) {
      const plan = planCursor(dlp, state, s, NOW);
      for (const unit of [...plan.live, ...plan.backfill]) {
        if (unit.kind !== "time-window") continue;
        const id = `${unit.from}-${unit.to}`;
        assert.ok(!seen.has(id), `window ${id} planned twice`);
        seen.add(id);
        state = recordResult(
          state,
          unit,
          { kind: "completed", counts: ZERO, resume: undefined } as never,
          NOW,
        );
        // Independent oracle: the watermark never passes a window that is not in yet.
        const covered = [...seen].map((k) => k.split("-").map(Number) as [number, number]);
        const origin = NOW - 60 * D;
        let prefix = origin;
        for (const [from, to] of covered.sort((a, b) => a[0] - b[0]))
          if (from <= prefix) prefix = Math.max(prefix, to);
        assert.ok((state.watermark ?? origin) <= prefix);
      }
      watermarks.push(state.watermark);
    }
    assert.equal(state.watermark, NOW - dlp.lagMs, "caught up");
    assert.ok(
      watermarks.slice(0, -1).every((w) => w === undefined || w === NOW - 60 * D),
      "held at the origin while older history was missing",
    );
    assert.equal(seen.size, 60, "60 one-day windows (the newest cut short by the lag), each once");
  });
});

describe("planner: steady state", () => {
  it("plans only the new window behind the lag once caught up", () => {
    const state: CheckpointState = { ...initialCheckpoint("dlp"), watermark: NOW - 10 * 60_000 };
    const plan = planCursor(dlp, state, settings([dlp]), NOW);
    assert.equal(plan.backfill.length, 0);
    assert.deepEqual(
      plan.live.map((u) => u.kind === "time-window" && [u.from, u.to]),
      [[NOW - 10 * 60_000, NOW - 5 * 60_000]],
    );
  });

  it("resumes an open window with its resume point and never re-plans a covered range", () => {
    const state: CheckpointState = {
      ...initialCheckpoint("dlp"),
      watermark: NOW - 3 * D,
      open: [{ from: NOW - 3 * D, to: NOW - 2 * D, resume: { pageToken: "t" } }],
      covered: [{ from: NOW - 2 * D, to: NOW - D }],
    };
    const plan = planCursor(dlp, state, settings([dlp]), NOW);
    assert.deepEqual(
      plan.resumed.map((u) => u.resume),
      [{ pageToken: "t" }],
    );
    const planned = [...plan.live, ...plan.backfill].map((u) =>
      u.kind === "time-window" ? [u.from, u.to] : [],
    );
    for (const [from, to] of planned)
      assert.ok(from! >= NOW - D || to! <= NOW - 3 * D, "no overlap with covered/open");
  });

  it("a rate-limited cursor gets no units until its reset", () => {
    const state = { ...initialCheckpoint("dlp"), rateLimitedUntil: NOW + 1000 };
    assert.equal(planCursor(dlp, state, settings([dlp]), NOW).idle, "rate-limited");
    assert.equal(planCursor(dlp, state, settings([dlp]), NOW + 1000).live.length, 1);
  });

  it("a backfill request's cursor stops at its fixed end", () => {
    const request = { ...dlp, key: "backfill~1~dlp", since: NOW - 5 * D, until: NOW - 3 * D, lagMs: 0 };
    const plan = planCursor(request, initialCheckpoint(request.key), settings([request]), NOW);
    const all = [...plan.live, ...plan.backfill];
    assert.equal(all.length, 2);
    assert.ok(all.every((u) => u.kind === "time-window" && u.from >= NOW - 5 * D && u.to <= NOW - 3 * D));
  });
});

describe("planner: other cursor kinds", () => {
  it("SIEM types get one unit each from their own cursor; a new cursor starts within retention", () => {
    const cursors = cursorsFor(
      FEEDS.filter((f) => f.id === "siem-cg"),
      0,
    );
    assert.equal(cursors.length, 10, "one cursor per SIEM CG type");
    assert.equal(cursors[5]!.key, cursorKey("siem-cg", "internal email protect"));
    const plan = planCycle(
      settings(cursors),
      { [cursors[0]!.key]: { ...initialCheckpoint(cursors[0]!.key), cursor: { cursor: "abc" } } },
      NOW,
    );
    assert.equal(plan.units.length, 10);
    const first = plan.units[0]!;
    assert.deepEqual(first.resume, { cursor: "abc" });
    assert.equal(
      first.kind === "siem-day" && first.fromDay,
      "2024-11-11",
      "7 days of retention, not the 60-day start",
    );
  });

  it("a snapshot is planned on its cadence, and an unfinished one is resumed with its snapshot time", () => {
    const snap: CursorDescriptor = {
      key: "aw",
      feedId: "aw",
      kind: "snapshot",
      cadenceMs: D,
      retentionDays: 1,
      lagMs: 0,
    };
    assert.equal(
      planCursor(snap, { ...initialCheckpoint("aw"), lastSnapshotAt: NOW - H }, settings([snap]), NOW).idle,
      "snapshot-not-due",
    );
    assert.equal(
      planCursor(snap, { ...initialCheckpoint("aw"), lastSnapshotAt: NOW - D }, settings([snap]), NOW).live
        .length,
      1,
    );
    const resumed = planCursor(
      snap,
      { ...initialCheckpoint("aw"), openSnapshot: { snapshotTime: 5000, resume: { p: 1 } } },
      settings([snap]),
      NOW,
    );
    assert.deepEqual(resumed.resumed[0], {
      kind: "snapshot",
      key: "aw",
      feedId: "aw",
      snapshotTime: 5000,
      resume: { p: 1 },
    });
  });
});

describe("range helpers and schedule", () => {
  it("gaps() returns what is not taken, and ignores a too-short newest gap", () => {
    assert.deepEqual(gaps(0, 100_000, [{ from: 10_000, to: 20_000 }]), [
      { from: 0, to: 10_000 },
      { from: 20_000, to: 100_000 },
    ]);
    assert.deepEqual(gaps(0, 10_500, [{ from: 0, to: 10_000 }]), []);
  });

  it("chunk() splits aligned to the start", () => {
    assert.deepEqual(chunk({ from: 0, to: 25 }, 10), [
      { from: 0, to: 10 },
      { from: 10, to: 20 },
      { from: 20, to: 25 },
    ]);
  });

  it("nextTick follows the six-field schedule in UTC, strictly after now", () => {
    assert.equal(nextTick("0 */5 * * * *", Date.UTC(2024, 0, 1, 0, 2, 3)), Date.UTC(2024, 0, 1, 0, 5, 0));
    assert.equal(nextTick("0 */5 * * * *", Date.UTC(2024, 0, 1, 0, 5, 0)), Date.UTC(2024, 0, 1, 0, 10, 0));
    assert.equal(nextTick("0 0 9 * * MON", Date.UTC(2024, 0, 1, 10, 0, 0)), Date.UTC(2024, 0, 8, 9, 0, 0));
  });
});

describe("planner: late-event sweep", () => {
  const swept: CursorDescriptor = { ...dlp, lateHorizonMs: 2 * H };

  it("first passes of windows ending within the horizon collect a digest; older ones do not", () => {
    const plan = planCursor(
      swept,
      initialCheckpoint("dlp"),
      { ...settings([swept], NOW - 3 * D), maxBackfillWindowsPerCycle: 100 },
      NOW,
    );
    const all = [...plan.live, ...plan.backfill].filter((u) => u.kind === "time-window");
    const recent = all.filter((u) => u.kind === "time-window" && u.to > NOW - 2 * H);
    const older = all.filter((u) => u.kind === "time-window" && u.to <= NOW - 2 * H);
    assert.ok(recent.length > 0 && older.length > 0);
    assert.ok(recent.every((u) => u.kind === "time-window" && u.collectDigest === true));
    assert.ok(older.every((u) => u.kind === "time-window" && u.collectDigest === undefined));
  });

  it("cuts the recent part of history into 15-minute windows so a busy feed's digest stays small", () => {
    const plan = planCursor(
      swept,
      initialCheckpoint("dlp"),
      { ...settings([swept], NOW - 3 * D), maxBackfillWindowsPerCycle: 100 },
      NOW,
    );
    const all = [...plan.backfill, ...plan.live].filter((u) => u.kind === "time-window");
    const recent = all.filter((u) => u.kind === "time-window" && u.from >= NOW - 2 * H);
    assert.ok(recent.every((u) => u.kind === "time-window" && u.to - u.from <= 15 * 60_000));
    assert.ok(
      all.some((u) => u.kind === "time-window" && u.to - u.from === D),
      "older history keeps daily windows",
    );
    const live = plan.live[0];
    assert.ok(live?.kind === "time-window" && live.to - live.from <= 15 * 60_000);
  });

  it("sweeps a window at 1/12, 1/4 and all of the horizon after its end, not before, resuming where one stopped", () => {
    const state: CheckpointState = {
      ...initialCheckpoint("dlp"),
      watermark: NOW - 10 * 60_000,
      sweeps: [
        { from: NOW - 3 * H, to: NOW - 2.5 * H, resume: { pageToken: "p2" }, stage: 2 },
        { from: NOW - H, to: NOW - 0.5 * H, resume: undefined, stage: 2 },
        { from: NOW - 40 * 60_000, to: NOW - 20 * 60_000, resume: undefined, stage: 1 },
        { from: NOW - 20 * 60_000, to: NOW - 12 * 60_000, resume: undefined },
        { from: NOW - 12 * 60_000, to: NOW - 5 * 60_000, resume: undefined },
      ],
    };
    const plan = planCursor(swept, state, settings([swept]), NOW);
    const sweeps = plan.resumed.filter((u) => u.kind === "time-window" && u.sweep === true);
    assert.deepEqual(
      sweeps.map(
        (u) => u.kind === "time-window" && [u.from, u.sweepStage, u.collectDigest ?? false, u.resume ?? null],
      ),
      [
        [NOW - 3 * H, 2, false, { pageToken: "p2" }],
        [NOW - 20 * 60_000, 0, true, null],
      ],
      "2.5 h-old final sweep and 12 min-old first sweep are due; 20 min into stage 1 (needs 30) and 5 min into stage 0 (needs 10) are not",
    );
  });
});
