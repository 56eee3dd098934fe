import { addCounts, zeroCounts } from "../ingest/types";
import { isFinalSweep } from "./sweeps";
import type { IngestCounts } from "../ingest/types";
import type {
  CheckpointState,
  OpenWindow,
  PositionStamp,
  ProgressReport,
  RunLedgerEntry,
  RunStamp,
  TimeRange,
  UnitResult,
  WorkUnit,
} from "./types";

/**
 * Pure reducers over a cursor's checkpoint. The entity applies them; the planner reads the result.
 * The rule they keep: a watermark or cursor moves only forward, and only over data Sentinel accepted.
 */

const MAX_RESETS_KEPT = 5;
const MAX_ERROR_CHARS = 500;
/** Runs whose counts a cursor remembers (in-flight ones plus the latest finished): ~70 bytes each. */
export const MAX_RUNS_KEPT = 32;

export function initialCheckpoint(key: string): CheckpointState {
  return { key, covered: [], open: [], totals: zeroCounts(), consecutiveFailures: 0, resets: [] };
}

/** Sorted, merged ranges (touching ranges merge too). */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.to > r.from).sort((a, b) => a.from - b.from);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to) last.to = Math.max(last.to, range.to);
    else merged.push({ from: range.from, to: range.to });
  }
  return merged;
}

/**
 * Moves the watermark over the contiguous prefix of finished windows that starts at it. A finished
 * window above a gap (a failed or unfinished window) stays in `covered` until the gap is filled; the
 * watermark never moves back.
 */
export function advanceWatermark(
  watermark: number,
  covered: readonly TimeRange[],
): { watermark: number; covered: TimeRange[] } {
  let mark = watermark;
  const rest: TimeRange[] = [];
  for (const range of mergeRanges(covered)) {
    if (range.from <= mark) mark = Math.max(mark, range.to);
    else rest.push(range);
  }
  return { watermark: mark, covered: rest };
}

/**
 * Applies one unit's result. `completed` finishes a window (or moves a cursor to its new position);
 * `partial`/`rate-limited`/`failed` keep the unit open at its resume point, which never lies before
 * accepted data, so the next attempt neither skips nor repeats anything.
 *
 * Idempotent and order-insensitive against its own progress messages (see `recordProgress`): a
 * duplicate of a recorded result changes nothing, counts are added once per run (as the excess over
 * what the run's progress already counted), a position set by a newer message is never replaced by an
 * older one, a finished window is never reopened, and a unit planned before a reset moves nothing.
 */
export function recordResult(
  state: CheckpointState,
  unit: WorkUnit,
  result: UnitResult,
  at: number,
): CheckpointState {
  const ledger = countRun(state, unit.run, result.counts, true);
  if (ledger === "duplicate") return state;
  const next: CheckpointState = {
    ...state,
    totals: addCounts(state.totals, ledger.delta),
    ...(ledger.runs ? { runs: ledger.runs } : {}),
  };
  if ((unit.epoch ?? 0) < (state.epoch ?? 0)) return withoutClaimOf(next, unit.run); // planned before a reset: counts only
  next.lastRun = { at, counts: result.counts, outcome: result.kind };
  const stamp = unit.run ? { ...unit.run, seq: 0, final: true } : undefined;
  switch (unit.kind) {
    case "time-window":
      if (unit.sweep) Object.assign(next, recordSweep(state, unit, result, ledger.delta, stamp));
      else if (!isFinished(state, unit)) {
        Object.assign(next, recordWindow(state, unit, result, stamp), scheduleSweep(state, unit, result));
      }
      break;
    case "siem-day":
    case "token-chain":
      if (result.resume !== undefined && newer(stamp, state.cursorStamp)) {
        next.cursor = result.resume;
        if (stamp) next.cursorStamp = stamp;
      }
      break;
    case "snapshot":
      if (result.kind === "completed") {
        next.lastSnapshotAt = Math.max(state.lastSnapshotAt ?? 0, unit.snapshotTime);
        if (state.openSnapshot && state.openSnapshot.snapshotTime <= unit.snapshotTime)
          delete next.openSnapshot;
      } else if (
        (state.lastSnapshotAt ?? Number.NEGATIVE_INFINITY) < unit.snapshotTime &&
        newer(stamp, state.openSnapshot?.stamp)
      ) {
        next.openSnapshot = {
          snapshotTime: unit.snapshotTime,
          resume: result.resume,
          ...(stamp ? { stamp } : {}),
        };
      }
      break;
  }
  if (result.kind === "completed" || (result.kind === "partial" && madeProgress(result))) {
    next.lastSuccessAt = Math.max(state.lastSuccessAt ?? at, at);
    next.consecutiveFailures = 0;
  }
  if (result.kind === "failed" || (result.kind === "partial" && !madeProgress(result))) {
    next.consecutiveFailures = state.consecutiveFailures + 1;
    next.lastError = { message: clip(result.reason), at };
  }
  if (result.kind === "rate-limited") {
    next.rateLimitedUntil = Math.max(state.rateLimitedUntil ?? 0, result.until);
  }
  return withoutClaimOf(next, unit.run);
}

/** A recorded run needs no arbitration between its copies any more (planning/runClaims). */
function withoutClaimOf(state: CheckpointState, run: RunStamp | undefined): CheckpointState {
  if (!run || !state.claims?.some((c) => sameRun(c, run))) return state;
  const claims = state.claims.filter((c) => !sameRun(c, run));
  const next: CheckpointState = { ...state, claims };
  if (claims.length === 0) delete next.claims;
  return next;
}

/**
 * Applies a segment's progress, signalled by the running activity once Sentinel accepted it: the unit's
 * resume point moves there, so a crash, a host recycle or a hard terminate repeats at most the segment
 * in flight. Same guarantees as `recordResult`, of which it is the non-final form.
 */
export function recordProgress(state: CheckpointState, report: ProgressReport): CheckpointState {
  const { unit } = report;
  if (!unit.run) return state; // unordered progress could move a position backwards: ignore it
  const ledger = countRun(state, unit.run, report.counts, false);
  if (ledger === "duplicate") return state;
  const next: CheckpointState = {
    ...state,
    totals: addCounts(state.totals, ledger.delta),
    ...(ledger.runs ? { runs: ledger.runs } : {}),
  };
  if ((unit.epoch ?? 0) < (state.epoch ?? 0)) return next;
  if (madeProgress({ counts: ledger.delta })) {
    next.lastSuccessAt = Math.max(state.lastSuccessAt ?? report.at, report.at);
  }
  const stamp: PositionStamp = { ...unit.run, seq: report.seq };
  switch (unit.kind) {
    case "time-window": {
      if (unit.sweep) {
        const sweeps = state.sweeps ?? [];
        const current = sweeps.find((w) => w.from === unit.from && w.to === unit.to);
        // No entry (the sweep already finished) or another stage's entry: stale.
        if (!current || (current.stage ?? 0) !== (unit.sweepStage ?? 0) || !newer(stamp, current.stamp))
          break;
        next.lateFound = (state.lateFound ?? 0) + ledger.delta.ingested;
        next.sweeps = sweeps.map((w) => (w === current ? { ...w, resume: report.resume, stamp } : w));
        break;
      }
      if (isFinished(state, unit)) break;
      const before = state.open.find((w) => w.from === unit.from && w.to === unit.to);
      if (before && !newer(stamp, before.stamp)) break;
      const open: OpenWindow = {
        ...(before ?? {}),
        from: unit.from,
        to: unit.to,
        resume: report.resume,
        stamp,
        ...(unit.collectDigest ? { collecting: true } : {}),
      };
      const others = state.open.filter((w) => w !== before);
      next.watermark = state.watermark ?? unit.origin;
      next.open = [...others, open].sort((a, b) => a.from - b.from);
      break;
    }
    case "siem-day":
    case "token-chain":
      if (newer(stamp, state.cursorStamp)) {
        next.cursor = report.resume;
        next.cursorStamp = stamp;
      }
      break;
    case "snapshot":
      if (
        (state.lastSnapshotAt ?? Number.NEGATIVE_INFINITY) < unit.snapshotTime &&
        newer(stamp, state.openSnapshot?.stamp)
      ) {
        next.openSnapshot = { snapshotTime: unit.snapshotTime, resume: report.resume, stamp };
      }
      break;
  }
  return next;
}

/**
 * The progress a re-executed activity resumes from: the position and counts its own run already
 * recorded (Durable runs an activity again after a host recycle, with the same input). Undefined when
 * the checkpoint holds nothing newer of this run than the unit's own resume point.
 */
export function progressOf(
  state: CheckpointState | undefined,
  unit: WorkUnit,
): { resume: unknown; counted: IngestCounts; seq: number } | undefined {
  const run = unit.run;
  if (!state || !run) return undefined;
  const entry = (state.runs ?? []).find((r) => sameRun(r, run));
  if (!entry || entry.final) return undefined;
  const mine = (stamp: PositionStamp | undefined): boolean => stamp !== undefined && sameRun(stamp, run);
  let position: { resume: unknown; seq: number } | undefined;
  switch (unit.kind) {
    case "time-window": {
      const list = unit.sweep ? (state.sweeps ?? []) : state.open;
      const w = list.find((o) => o.from === unit.from && o.to === unit.to && mine(o.stamp));
      if (w) position = { resume: w.resume, seq: w.stamp?.seq ?? 0 };
      break;
    }
    case "siem-day":
    case "token-chain":
      if (mine(state.cursorStamp)) position = { resume: state.cursor, seq: state.cursorStamp?.seq ?? 0 };
      break;
    case "snapshot":
      if (state.openSnapshot?.snapshotTime === unit.snapshotTime && mine(state.openSnapshot.stamp)) {
        position = { resume: state.openSnapshot.resume, seq: state.openSnapshot.stamp?.seq ?? 0 };
      }
      break;
  }
  return position ? { ...position, counted: entry.counted } : undefined;
}

/**
 * The ledger step shared by results and progress: how much of `counts` (cumulative for the run) is new,
 * and the ledger after it. "duplicate": the run's result is already recorded, or the message is older
 * than every run the ledger still remembers (it may have been counted by an entry since dropped).
 */
function countRun(
  state: CheckpointState,
  run: RunStamp | undefined,
  counts: IngestCounts,
  final: boolean,
): { delta: IngestCounts; runs?: RunLedgerEntry[] } | "duplicate" {
  if (!run) return { delta: counts }; // an older version's unit: counted as before
  const runs = state.runs ?? [];
  const entry = runs.find((r) => sameRun(r, run));
  if (entry?.final) return "duplicate";
  if (!entry && runs.length >= MAX_RUNS_KEPT && runs.every((r) => compareRuns(run, r) < 0))
    return "duplicate";
  const counted = entry?.counted ?? zeroCounts();
  const delta = excess(counts, counted);
  const updated: RunLedgerEntry = {
    at: run.at,
    n: run.n,
    counted: maxCounts(counted, counts),
    ...(final ? { final: true } : {}),
  };
  const rest = runs.filter((r) => r !== entry);
  return { delta, runs: trimLedger([...rest, updated]) };
}

/** Keeps the newest MAX_RUNS_KEPT entries, dropping finished runs before unfinished ones. */
function trimLedger(runs: RunLedgerEntry[]): RunLedgerEntry[] {
  const sorted = [...runs].sort(compareRuns);
  while (sorted.length > MAX_RUNS_KEPT) {
    const index = sorted.findIndex((r) => r.final === true);
    sorted.splice(index >= 0 ? index : 0, 1);
  }
  return sorted;
}

const COUNT_FIELDS = ["fetched", "ingested", "deadLettered", "ambiguous", "pages", "resent"] as const;

function excess(counts: IngestCounts, counted: IngestCounts): IngestCounts {
  const out = zeroCounts();
  for (const f of COUNT_FIELDS) out[f] = Math.max(0, (counts[f] ?? 0) - (counted[f] ?? 0));
  return out;
}

function maxCounts(a: IngestCounts, b: IngestCounts): IngestCounts {
  const out = zeroCounts();
  for (const f of COUNT_FIELDS) out[f] = Math.max(a[f] ?? 0, b[f] ?? 0);
  return out;
}

function compareRuns(a: RunStamp, b: RunStamp): number {
  return a.at !== b.at ? a.at - b.at : a.n - b.n;
}

function sameRun(a: RunStamp, b: RunStamp): boolean {
  return a.at === b.at && a.n === b.n;
}

/** Is `a` a later message than `b`? Unstamped messages (older versions) always apply. */
function newer(a: PositionStamp | undefined, b: PositionStamp | undefined): boolean {
  if (!a || !b) return true;
  const byRun = compareRuns(a, b);
  if (byRun !== 0) return byRun > 0;
  if (b.final) return false;
  return a.final === true || a.seq > b.seq;
}

/** A window below the watermark or inside a covered range is finished: nothing may reopen it. */
function isFinished(state: CheckpointState, unit: { from: number; to: number }): boolean {
  if (state.watermark !== undefined && unit.to <= state.watermark) return true;
  return state.covered.some((r) => r.from <= unit.from && r.to >= unit.to);
}

function recordWindow(
  state: CheckpointState,
  unit: Extract<WorkUnit, { kind: "time-window" }>,
  result: UnitResult,
  stamp: PositionStamp | undefined,
): Pick<CheckpointState, "watermark" | "covered" | "open"> | Record<string, never> {
  if (state.watermark !== undefined && state.watermark < unit.origin) {
    // The planner started past the retention edge: record what could no longer be fetched.
    state = clampToRetention(state, unit.origin);
  }
  const others = state.open.filter((w) => w.from !== unit.from || w.to !== unit.to);
  const watermark = state.watermark ?? unit.origin;
  if (result.kind === "completed") {
    return {
      ...advanceWatermark(watermark, [...state.covered, { from: unit.from, to: unit.to }]),
      open: others,
    };
  }
  const before = state.open.find((w) => w.from === unit.from && w.to === unit.to);
  // A later run's progress (its activity signalled before this result arrived) is further along.
  if (before && !newer(stamp, before.stamp)) return {};
  const open: OpenWindow = {
    from: unit.from,
    to: unit.to,
    resume: result.resume,
    ...(stamp ? { stamp } : {}),
    ...(unit.collectDigest ? { collecting: true } : {}),
    ...(before?.noSweep === true || result.digestOverflow === true ? { noSweep: true } : {}),
  };
  return { watermark, covered: state.covered, open: [...others, open].sort((a, b) => a.from - b.from) };
}

/** A sweep never moves the watermark: it only adds what arrived late, then is done. */
function recordSweep(
  state: CheckpointState,
  unit: Extract<WorkUnit, { kind: "time-window" }>,
  result: UnitResult,
  delta: IngestCounts,
  stamp: PositionStamp | undefined,
): Pick<CheckpointState, "sweeps" | "lateFound"> {
  const current = (state.sweeps ?? []).find((w) => w.from === unit.from && w.to === unit.to);
  const others = (state.sweeps ?? []).filter((w) => w !== current);
  const lateFound = (state.lateFound ?? 0) + delta.ingested;
  const stage = unit.sweepStage ?? 0;
  // The sweep is over (no entry), or at another stage, or a later run moved it: position unchanged.
  const stale =
    unit.run !== undefined && (!current || (current.stage ?? 0) !== stage || !newer(stamp, current.stamp));
  if (stale) return { sweeps: state.sweeps ?? [], lateFound };
  if (result.kind === "completed") {
    if (isFinalSweep(stage)) return { sweeps: others, lateFound };
    const next = { from: unit.from, to: unit.to, resume: undefined, stage: stage + 1 };
    return { sweeps: [...others, next].sort((a, b) => a.from - b.from), lateFound };
  }
  const open: OpenWindow = {
    from: unit.from,
    to: unit.to,
    resume: result.resume,
    stage,
    ...(stamp ? { stamp } : {}),
  };
  return { sweeps: [...others, open].sort((a, b) => a.from - b.from), lateFound };
}

/** A recent window whose first pass completed waits for its sweep, unless it was too busy to digest. */
function scheduleSweep(
  state: CheckpointState,
  unit: Extract<WorkUnit, { kind: "time-window" }>,
  result: UnitResult,
): Pick<CheckpointState, "sweeps" | "unswept"> | Record<string, never> {
  if (!unit.collectDigest || result.kind !== "completed") return {};
  const open = state.open.find((w) => w.from === unit.from && w.to === unit.to);
  if (result.digestOverflow === true || open?.noSweep === true) return { unswept: (state.unswept ?? 0) + 1 };
  const sweeps = (state.sweeps ?? []).filter((w) => w.from !== unit.from || w.to !== unit.to);
  return {
    sweeps: [...sweeps, { from: unit.from, to: unit.to, resume: undefined }].sort((a, b) => a.from - b.from),
  };
}

export function madeProgress(result: Pick<UnitResult, "counts">): boolean {
  return result.counts.ingested + result.counts.deadLettered > 0;
}

/**
 * Starts a time-window cursor at `origin` (its start date clamped to retention). A cursor that already
 * has a watermark keeps it.
 */
export function ensureOrigin(state: CheckpointState, origin: number): CheckpointState {
  return state.watermark === undefined ? { ...state, watermark: origin } : state;
}

/**
 * History older than the API keeps can no longer be fetched: move the watermark to the retention edge
 * and record how much was skipped, so status shows it instead of retrying forever.
 */
export function clampToRetention(state: CheckpointState, retentionStart: number): CheckpointState {
  if (state.watermark === undefined || state.watermark >= retentionStart) return state;
  const skipped = retentionStart - state.watermark;
  const advanced = advanceWatermark(retentionStart, state.covered);
  return {
    ...state,
    ...advanced,
    open: state.open.filter((w) => w.to > retentionStart),
    skippedMs: (state.skippedMs ?? 0) + skipped,
    lastError: {
      message: `history before ${new Date(retentionStart).toISOString()} is past the API's retention and was skipped`,
      at: retentionStart,
    },
  };
}

export function clearRateLimit(state: CheckpointState, now: number): CheckpointState {
  if (state.rateLimitedUntil === undefined || state.rateLimitedUntil > now) return state;
  const next = { ...state };
  delete next.rateLimitedUntil;
  return next;
}

/**
 * An operator's reset: forget the position (or set a new watermark) and log who did it and what the
 * position was, so it can be undone. Counters are kept.
 */
export function resetCheckpoint(
  state: CheckpointState,
  request: { at: number; by: string; reason: string; watermark?: number },
): CheckpointState {
  const previous: ResetPrevious = {};
  if (state.watermark !== undefined) previous.watermark = state.watermark;
  if (state.cursor !== undefined) previous.cursor = state.cursor;
  if (state.lastSnapshotAt !== undefined) previous.lastSnapshotAt = state.lastSnapshotAt;
  const next: CheckpointState = {
    ...initialCheckpoint(state.key),
    totals: state.totals,
    // Units planned before the reset carry the old epoch: their results and progress move nothing.
    epoch: (state.epoch ?? 0) + 1,
    ...(state.runs ? { runs: state.runs } : {}),
    resets: [
      ...state.resets,
      { at: request.at, by: request.by, reason: clip(request.reason), previous },
    ].slice(-MAX_RESETS_KEPT),
  };
  if (request.watermark !== undefined) next.watermark = request.watermark;
  return next;
}

type ResetPrevious = CheckpointState["resets"][number]["previous"];

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}
