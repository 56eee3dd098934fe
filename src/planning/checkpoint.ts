import { addCounts, zeroCounts } from "../ingest/types";
import { isFinalSweep } from "./sweeps";
import type { CheckpointState, OpenWindow, TimeRange, UnitResult, WorkUnit } from "./types";

/**
 * Pure reducers over a cursor's checkpoint. The entity applies them; the planner reads the result.
 * The rule they keep: a watermark or cursor moves only forward, and only over data Sentinel accepted.
 */

const MAX_RESETS_KEPT = 5;
const MAX_ERROR_CHARS = 500;

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
 */
export function recordResult(
  state: CheckpointState,
  unit: WorkUnit,
  result: UnitResult,
  at: number,
): CheckpointState {
  const next: CheckpointState = {
    ...state,
    totals: addCounts(state.totals, result.counts),
    lastRun: { at, counts: result.counts, outcome: result.kind },
  };
  switch (unit.kind) {
    case "time-window":
      if (unit.sweep) Object.assign(next, recordSweep(state, unit, result));
      else Object.assign(next, recordWindow(state, unit, result), scheduleSweep(state, unit, result));
      break;
    case "siem-day":
    case "token-chain":
      if (result.resume !== undefined) next.cursor = result.resume;
      break;
    case "snapshot":
      if (result.kind === "completed") {
        next.lastSnapshotAt = Math.max(state.lastSnapshotAt ?? 0, unit.snapshotTime);
        delete next.openSnapshot;
      } else {
        next.openSnapshot = { snapshotTime: unit.snapshotTime, resume: result.resume };
      }
      break;
  }
  if (result.kind === "completed" || (result.kind === "partial" && madeProgress(result))) {
    next.lastSuccessAt = at;
    next.consecutiveFailures = 0;
  }
  if (result.kind === "failed" || (result.kind === "partial" && !madeProgress(result))) {
    next.consecutiveFailures = state.consecutiveFailures + 1;
    next.lastError = { message: clip(result.reason), at };
  }
  if (result.kind === "rate-limited") {
    next.rateLimitedUntil = Math.max(state.rateLimitedUntil ?? 0, result.until);
  }
  return next;
}

function recordWindow(
  state: CheckpointState,
  unit: Extract<WorkUnit, { kind: "time-window" }>,
  result: UnitResult,
): Pick<CheckpointState, "watermark" | "covered" | "open"> {
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
  const open: OpenWindow = {
    from: unit.from,
    to: unit.to,
    resume: result.resume,
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
): Pick<CheckpointState, "sweeps" | "lateFound"> {
  const others = (state.sweeps ?? []).filter((w) => w.from !== unit.from || w.to !== unit.to);
  const lateFound = (state.lateFound ?? 0) + result.counts.ingested;
  const stage = unit.sweepStage ?? 0;
  if (result.kind === "completed") {
    if (isFinalSweep(stage)) return { sweeps: others, lateFound };
    const next = { from: unit.from, to: unit.to, resume: undefined, stage: stage + 1 };
    return { sweeps: [...others, next].sort((a, b) => a.from - b.from), lateFound };
  }
  return {
    sweeps: [...others, { from: unit.from, to: unit.to, resume: result.resume, stage }].sort(
      (a, b) => a.from - b.from,
    ),
    lateFound,
  };
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

export function madeProgress(result: UnitResult): boolean {
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
