import { DAY_MS, formatDay } from "../feeds/time";
import { initialCheckpoint, mergeRanges } from "./checkpoint";
import { sweepAges } from "./sweeps";
import type { CheckpointState, CursorDescriptor, CycleSettings, TimeRange, WorkUnit } from "./types";

/**
 * The pure planner: from settings, checkpoints and "now" to the units of one cycle. Live units (the
 * newest window of every cursor) come first so a long backfill never starves tailing; then resumed
 * units; then backfill windows, newest first, a bounded number per cursor.
 */

/** Requests right at the API's retention edge race the clock; stay this far inside it. */
export const RETENTION_MARGIN_MS = 60 * 60 * 1000;

/** Windows shorter than this are not worth a call; they wait for the next cycle. */
export const MIN_WINDOW_MS = 1000;

export interface CursorPlan {
  key: string;
  live: WorkUnit[];
  resumed: WorkUnit[];
  backfill: WorkUnit[];
  /** Windows still to do for this cursor (time-window), including those planned now. */
  backlogWindows: number;
  /** Why nothing was planned, when nothing was. */
  idle?: "rate-limited" | "caught-up" | "snapshot-not-due";
}

export interface CyclePlan {
  /** In dispatch order. */
  units: WorkUnit[];
  cursors: CursorPlan[];
}

export function retentionStart(descriptor: CursorDescriptor, now: number): number {
  return now - descriptor.retentionDays * DAY_MS + RETENTION_MARGIN_MS;
}

export function planCycle(
  settings: CycleSettings,
  states: Readonly<Record<string, CheckpointState | undefined>>,
  now: number,
): CyclePlan {
  const cursors = settings.cursors.map((descriptor) =>
    planCursor(descriptor, states[descriptor.key] ?? initialCheckpoint(descriptor.key), settings, now),
  );
  return {
    cursors,
    units: [
      ...cursors.flatMap((c) => c.live),
      ...cursors.flatMap((c) => c.resumed),
      ...interleave(cursors.map((c) => c.backfill)),
    ],
  };
}

export function planCursor(
  descriptor: CursorDescriptor,
  state: CheckpointState,
  settings: CycleSettings,
  now: number,
): CursorPlan {
  const empty: CursorPlan = { key: descriptor.key, live: [], resumed: [], backfill: [], backlogWindows: 0 };
  if (state.rateLimitedUntil !== undefined && state.rateLimitedUntil > now) {
    return { ...empty, idle: "rate-limited" };
  }
  const base = { key: descriptor.key, feedId: descriptor.feedId };
  const start = Math.max(settings.startTimeMs, retentionStart(descriptor, now));
  switch (descriptor.kind) {
    case "time-window":
      return planTimeWindows(descriptor, state, settings, now);
    case "siem-day":
      return {
        ...empty,
        live: [
          {
            kind: "siem-day",
            ...base,
            type: descriptor.type ?? "",
            fromDay: formatDay(start),
            ...(state.cursor !== undefined ? { resume: state.cursor } : {}),
          },
        ],
      };
    case "token-chain":
      return {
        ...empty,
        live: [
          {
            kind: "token-chain",
            ...base,
            startTimeMs: start,
            ...(state.cursor !== undefined ? { resume: state.cursor } : {}),
          },
        ],
      };
    case "snapshot": {
      if (state.openSnapshot) {
        return {
          ...empty,
          resumed: [
            {
              kind: "snapshot",
              ...base,
              snapshotTime: state.openSnapshot.snapshotTime,
              resume: state.openSnapshot.resume,
            },
          ],
        };
      }
      const cadence = descriptor.cadenceMs ?? DAY_MS;
      if (state.lastSnapshotAt !== undefined && now - state.lastSnapshotAt < cadence) {
        return { ...empty, idle: "snapshot-not-due" };
      }
      // Whole seconds: the snapshot time names the snapshot, so keep it readable.
      return { ...empty, live: [{ kind: "snapshot", ...base, snapshotTime: now - (now % 1000) }] };
    }
  }
}

function planTimeWindows(
  descriptor: CursorDescriptor,
  state: CheckpointState,
  settings: CycleSettings,
  now: number,
): CursorPlan {
  const edge = retentionStart(descriptor, now);
  const origin = Math.max(state.watermark ?? descriptor.since ?? settings.startTimeMs, edge);
  const head = Math.min(now - descriptor.lagMs, descriptor.until ?? Number.POSITIVE_INFINITY);
  const maxWindow = Math.max(MIN_WINDOW_MS, descriptor.maxWindowMs ?? DAY_MS);
  const base = { kind: "time-window" as const, key: descriptor.key, feedId: descriptor.feedId, origin };

  const open = state.open.filter((w) => w.to > origin);
  const horizon = descriptor.lateHorizonMs ?? 0;
  // Windows ending within the late horizon are swept later; their first pass reports a digest.
  const recent = (to: number): boolean => horizon > 0 && to > now - horizon;
  const resumed: WorkUnit[] = open.map((w) => ({
    ...base,
    from: w.from,
    to: w.to,
    resume: w.resume,
    ...(w.collecting === true ? { collectDigest: true } : {}),
  }));
  const ages = sweepAges(horizon);
  const sweeps: WorkUnit[] = (state.sweeps ?? [])
    .filter((w) => w.to + (ages[w.stage ?? 0] ?? horizon) <= now)
    .map((w) => {
      const stage = Math.min(w.stage ?? 0, ages.length - 1);
      return {
        ...base,
        from: w.from,
        to: w.to,
        sweep: true,
        sweepStage: stage,
        // Every sweep but the last adds what it sent to the digest, for the next one.
        ...(stage < ages.length - 1 ? { collectDigest: true } : {}),
        ...(w.resume !== undefined ? { resume: w.resume } : {}),
      };
    });
  // Windows that will be swept keep a digest of what they sent: cut the recent part of history finer,
  // so a busy feed's digest stays small (a first run's newest window would otherwise span a day).
  const recentFrom = horizon > 0 ? now - horizon : Number.POSITIVE_INFINITY;
  const chunks = gaps(origin, head, [...state.covered, ...open]).flatMap((gap) =>
    splitAt(gap, recentFrom).flatMap((part) =>
      chunk(part, part.from >= recentFrom ? Math.min(maxWindow, RECENT_WINDOW_MS) : maxWindow),
    ),
  );
  const fresh = (w: TimeRange): WorkUnit => ({
    ...base,
    ...w,
    ...(recent(w.to) ? { collectDigest: true } : {}),
  });
  const live = chunks.length > 0 ? [chunks[chunks.length - 1]!] : [];
  const backfill = newestFirst(
    chunks.slice(0, Math.max(0, chunks.length - 1)),
    settings.maxBackfillWindowsPerCycle,
  );
  return {
    key: descriptor.key,
    live: live.map(fresh),
    resumed: [...resumed, ...sweeps],
    backfill: backfill.map(fresh),
    backlogWindows: chunks.length + open.length,
    ...(chunks.length + open.length + sweeps.length === 0 ? { idle: "caught-up" as const } : {}),
  };
}

/** The parts of [from, to) not covered by `taken`. */
export function gaps(from: number, to: number, taken: readonly TimeRange[]): TimeRange[] {
  const out: TimeRange[] = [];
  let at = from;
  for (const range of mergeRanges(taken)) {
    if (range.to <= at) continue;
    if (range.from >= to) break;
    if (range.from > at) out.push({ from: at, to: Math.min(range.from, to) });
    at = Math.max(at, range.to);
  }
  // The newest gap ends at "now − lag" and grows every cycle: wait until it is worth a call.
  if (to - at >= MIN_WINDOW_MS) out.push({ from: at, to });
  return out;
}

/** Longest window inside the late horizon (its digest must stay under MAX_DIGEST_ENTRIES). */
export const RECENT_WINDOW_MS = 15 * 60_000;

/** [from, to) cut at `at` when `at` lies inside it. */
function splitAt(range: TimeRange, at: number): TimeRange[] {
  return at > range.from && at < range.to
    ? [
        { from: range.from, to: at },
        { from: at, to: range.to },
      ]
    : [range];
}

/** Splits a range into windows of at most `size`, aligned to its start. */
export function chunk(range: TimeRange, size: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (let from = range.from; from < range.to; from += size) {
    out.push({ from, to: Math.min(from + size, range.to) });
  }
  return out;
}

/**
 * Backfill goes newest first: a user who just connected sees the last hours at once, not after days of
 * history. The checkpoint protocol is unchanged — finished windows above the watermark are kept as
 * covered ranges and the watermark moves only over the contiguous prefix, so it catches up when the
 * oldest window is done.
 */
function newestFirst<T>(windows: readonly T[], max: number): T[] {
  return windows.slice(Math.max(0, windows.length - max)).reverse();
}

/** Round-robin across cursors so one feed's long backfill does not queue ahead of every other feed's. */
function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i += 1) {
    for (const list of lists) {
      const item = list[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}
