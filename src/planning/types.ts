import type { IngestCounts, UnitOutcome } from "../ingest/types";

/**
 * Everything the supervisor plans with, produced by an activity from the validated configuration
 * (orchestrators may not read settings themselves). Small: ids, numbers, no secrets.
 */
export interface CycleSettings {
  cursors: CursorDescriptor[];
  /** Where a cursor without a checkpoint starts (epoch ms); clamped to each feed's retention. */
  startTimeMs: number;
  /** Six-field NCRONTAB schedule of the supervisor's cycle. */
  schedule: string;
  /** Units in flight at once across all feeds (lowered while Mimecast rate-limits us). */
  maxParallel: number;
  /** Units in flight at once for one feed. */
  maxPerFeed: number;
  /** Backfill windows one time-window cursor may run per cycle (the live window comes on top). */
  maxBackfillWindowsPerCycle: number;
  /** Follow-up units a cursor may run in one cycle after a unit stopped on its time budget. */
  maxContinuationsPerCycle: number;
}

export type CursorKind = "time-window" | "siem-day" | "snapshot" | "token-chain";

/** One checkpointed cursor: a feed, or one SIEM type of a feed. Its `key` names its entity. */
export interface CursorDescriptor {
  key: string;
  feedId: string;
  kind: CursorKind;
  /** SIEM event type for `siem-day` cursors. */
  type?: string;
  /** Longest window one unit covers (`time-window`). */
  maxWindowMs?: number;
  /** How often a full snapshot is taken (`snapshot`). */
  cadenceMs?: number;
  /** The API serves no data older than this. */
  retentionDays: number;
  /** Windows end this far behind now so late-indexed events are not skipped. */
  lagMs: number;
  /** A fixed end (backfill requests): windows never reach past it. */
  until?: number;
  /** A fixed start (backfill requests) instead of the configured start date. */
  since?: number;
  /**
   * Late-event sweep: how long after a window closes Mimecast may still add events to it. Recent
   * windows are re-read once that long after their end, sending only what the first pass did not see.
   * 0 or unset: no sweep (the lag alone decides).
   */
  lateHorizonMs?: number;
}

/** A half-open time range [from, to) in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Which dispatch of a unit a message comes from. A unit's result (sent by the orchestrator) and its
 * progress (sent by the activity) travel from different senders, which Durable does not order; the
 * stamp does: dispatch time (orchestration time, deterministic), then the dispatch's index, offset by
 * its generation (cycle or round × STAMP_STRIDE) so that generations never share one. Progress
 * messages add their segment number.
 */
export interface RunStamp {
  at: number;
  n: number;
}

/** Stamps the dispatcher adds to every unit it starts (absent on units of older versions). */
export interface UnitStamps {
  run?: RunStamp;
  /** The cursor's reset epoch when the unit was planned: results of older epochs move nothing. */
  epoch?: number;
}

/**
 * One activity's worth of work. Small by design (it travels through Durable's queues): bounds and an
 * opaque resume point, never records.
 */
export type WorkUnit = UnitStamps &
  (
    | {
        kind: "time-window";
        key: string;
        feedId: string;
        from: number;
        to: number;
        /** Where the cursor's history starts, for a cursor whose first window is not the first to finish. */
        origin: number;
        resume?: unknown;
        /** First pass of a recent window: report a digest of what was sent, for the sweep. */
        collectDigest?: boolean;
        /** A late-event sweep of this window (re-read at growing ages up to the late horizon). */
        sweep?: boolean;
        /** Which sweep (0-based); the last one deletes the window's digest. */
        sweepStage?: number;
        /** Sweep only: the first pass's digest (filled in by the orchestrator from the digest entity). */
        seen?: string;
      }
    | {
        kind: "siem-day";
        key: string;
        feedId: string;
        type: string;
        /** YYYY-MM-DD where a new cursor starts (ignored once the cursor exists). */
        fromDay: string;
        resume?: unknown;
      }
    | { kind: "token-chain"; key: string; feedId: string; startTimeMs: number; resume?: unknown }
    | { kind: "snapshot"; key: string; feedId: string; snapshotTime: number; resume?: unknown }
  );

/** Where the position held by a checkpoint came from: the run, and the segment (final = the result). */
export interface PositionStamp extends RunStamp {
  seq: number;
  final?: boolean;
}

/**
 * The execution of a run that may send rows. Durable can run two copies of one activity at once (an
 * episode that crashed between sending and committing is replayed and sends its work again); the copy
 * whose claim the entity took first leads, the others wait for its result or take over when it stops
 * moving. `result` is the leader's result once it released the run, for a follower to return.
 */
export interface RunClaim extends RunStamp {
  by: string;
  done?: true;
  /** The leader's last progress segment when it released the run. */
  doneSeq?: number;
  result?: UnitResult;
}

/** A segment's progress, signalled by the activity after Sentinel accepted it. */
export interface ProgressReport {
  unit: WorkUnit;
  resume: unknown;
  /** Cumulative counts of the run so far (every attempt of it). */
  counts: IngestCounts;
  /** 1, 2, … per accepted segment of the run. */
  seq: number;
  at: number;
}

/** What a cursor counted of one run, so a duplicated or late message never counts twice. */
export interface RunLedgerEntry extends RunStamp {
  counted: IngestCounts;
  /** The run's result was recorded: later messages of it are duplicates or stale. */
  final?: boolean;
}

/** What an ingestion unit reports: its `UnitOutcome`, with the resume point opaque to planning. */
export type UnitResult = UnitOutcome<unknown>;

/** An open unit of a time-window cursor: a window that started but is not yet fully in Sentinel. */
export interface OpenWindow extends TimeRange {
  resume: unknown;
  /** The window's first pass collects a digest (it was recent when it started): keep doing so. */
  collecting?: boolean;
  /** A part of the first pass was too busy to digest: the window will not be swept. */
  noSweep?: boolean;
  /** Sweeps only: the next sweep's stage (index into `sweepAges`). */
  stage?: number;
  /** Which message set `resume` (absent: an older version's). */
  stamp?: PositionStamp;
}

export interface ErrorNote {
  message: string;
  at: number;
}

/**
 * The durable state of one cursor (one entity). Kept well under 16 KB: ranges are merged, resume
 * points are small, the reset log is capped.
 */
export interface CheckpointState {
  key: string;
  /** time-window: everything before this is in Sentinel. Only ever moves forward. */
  watermark?: number;
  /** time-window: finished windows above the watermark (merged, sorted, not touching it). */
  covered: TimeRange[];
  /** time-window: started windows with their resume points. */
  open: OpenWindow[];
  /** time-window: recent windows waiting for their late-event sweep (resume set once one started). */
  sweeps?: OpenWindow[];
  /** Events the sweeps found (arrived after their window was first read). */
  lateFound?: number;
  /** Windows too busy to keep a digest for, so not swept (only the lag protected them). */
  unswept?: number;
  /** siem-day / token-chain: where the next unit resumes. */
  cursor?: unknown;
  /** snapshot: time of the last complete snapshot, and the one in progress. */
  lastSnapshotAt?: number;
  openSnapshot?: { snapshotTime: number; resume: unknown; stamp?: PositionStamp };
  /** siem-day / token-chain: which message set `cursor`. */
  cursorStamp?: PositionStamp;
  /** Reset generation: 0 until the first reset; units planned under an older one move nothing. */
  epoch?: number;
  /** The recent runs' counts (bounded), for idempotent totals. */
  runs?: RunLedgerEntry[];
  /** Which execution of an unfinished run may send (see planning/runClaims): at most MAX_CLAIMS_KEPT. */
  claims?: RunClaim[];
  totals: IngestCounts;
  lastRun?: { at: number; counts: IngestCounts; outcome: UnitResult["kind"] };
  lastSuccessAt?: number;
  lastError?: ErrorNote;
  consecutiveFailures: number;
  rateLimitedUntil?: number;
  /** History older than the API's retention that could no longer be fetched (ms), if any. */
  skippedMs?: number;
  resets: ResetNote[];
}

export interface ResetNote {
  at: number;
  by: string;
  reason: string;
  /** The watermark/cursor before the reset, so an operator can undo it. */
  previous: { watermark?: number; cursor?: unknown; lastSnapshotAt?: number };
}
