import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { IngestCounts } from "../ingest/types";
import { addCounts, zeroCounts } from "../ingest/types";
import { madeProgress } from "../planning/checkpoint";
import { isFinalSweep } from "../planning/sweeps";
import type { UnitResult, WorkUnit } from "../planning/types";
import { FUNCTIONS } from "./names";
import { allOf, checkpointEntityId, stopRequested } from "./tasks";

export { checkpointEntityId } from "./tasks";

/** Input of the ingest activity: one unit and how long it may run before it stops at a boundary. */
export interface IngestUnitInput {
  unit: WorkUnit;
  budgetMs: number;
}

/** Run-stamp numbers each generation may use: generations (cycles, rounds) never share one. */
export const STAMP_STRIDE = 1_000_000;

export interface DispatchLimits {
  /**
   * The first run-stamp number of this generation (its cycle or round × STAMP_STRIDE): orchestration
   * time need not advance between generations (a simulated clock, or a restart at the same instant), so
   * the time alone would let a later generation's results pass for duplicates of an earlier one's.
   */
  stampBase?: number;
  maxParallel: number;
  maxPerFeed: number;
  maxContinuationsPerCycle: number;
  /** Stop starting new units after this time (the next tick), so a cycle never runs into the next. */
  stopStartingAt: number;
  /** Longest in-cycle wait for a Mimecast rate-limit reset; a longer one ends the cycle. */
  maxRateLimitWaitMs: number;
  budgetMs: number;
  /**
   * Batches this generation may run: each adds history that every later episode replays (JavaScript
   * has no extended sessions), so a generation stops after this many and continues as new.
   */
  maxBatches?: number;
  /** Each cursor's reset epoch as read before planning (stamped on its units). */
  epochs?: Record<string, number>;
  /** Check the operator's stop flag before each batch after the first: set = the supervisor's start. */
  stopSince?: number;
}

export interface CursorTally {
  counts: IngestCounts;
  units: number;
  lastOutcome?: UnitResult["kind"];
  lastError?: string;
  /** A failure that retrying cannot fix (403, a bad feed setting): the cursor's work cannot go on. */
  permanentError?: string;
}

export interface DispatchSummary {
  tallies: Record<string, CursorTally>;
  /** Set when Mimecast asked us to pause beyond this cycle: the whole application waits until then. */
  rateLimitedUntil?: number;
  /** Parallelism to start the next cycle with (halved per rate limit, regrown by one per clean cycle). */
  parallelism: number;
  unitsRun: number;
  unitsFailed: number;
  /** Units that ended partial without ingesting anything (e.g. Sentinel kept failing): no progress. */
  unitsStalled: number;
  unitsNotStarted: number;
  /** The batch bound was reached with units left: continue as new rather than sleep. */
  truncated: boolean;
  /** An operator's stop was read: no new batch was started. */
  stopped?: string;
}

/** Default bound on batches per generation (≈ 2 history events per unit and entity call). */
export const MAX_BATCHES_PER_GENERATION = 40;

/** Retry policy for transient faults an activity throws (it only throws before ingesting anything). */
export function ingestRetryOptions(): df.RetryOptions {
  const retry = new df.RetryOptions(5_000, 4);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  return retry;
}

/** The digest of one recent window's first pass (late-event sweep). */
export function digestEntityId(unit: { key: string; from: number }): df.EntityId {
  return new df.EntityId(FUNCTIONS.digest, `${unit.key}@${unit.from}`);
}

/**
 * Runs units through the ingest activity in batches of bounded parallelism (global and per feed),
 * recording every result in its cursor's checkpoint entity. A batch is awaited with `Task.all`; if one
 * activity fails for good, `Task.all` fails fast, so the others are then awaited one by one — never
 * inside a new `Task.all`/`Task.any`, because the SDK re-emits the actions of already scheduled
 * children of a new compound task, which would schedule those activities twice. Results of units that
 * ingested data are therefore never dropped. Cursors other than time windows run one unit at a time.
 *
 * Rate limits are app-wide (one Mimecast application): after a rate-limited result no new batch
 * starts until the reset, parallelism is halved, and the cycle waits on a durable timer (no compute
 * billed) if the reset is near, or ends and hands the reset time to the next cycle if not.
 */
export function* dispatchUnits(
  context: OrchestrationContext,
  units: readonly WorkUnit[],
  limits: DispatchLimits,
): Generator<Task, DispatchSummary, unknown> {
  const queue = [...units];
  const tallies: Record<string, CursorTally> = {};
  const continuations: Record<string, number> = {};
  let parallel = Math.max(1, limits.maxParallel);
  let rateLimitedUntil: number | undefined;
  let unitsRun = 0;
  let unitsFailed = 0;
  let unitsStalled = 0;
  const retry = ingestRetryOptions();
  const now = (): number => context.df.currentUtcDateTime.getTime();

  let batches = 0;
  let dispatched = 0;
  let stopped: string | undefined;
  const maxBatches = limits.maxBatches ?? MAX_BATCHES_PER_GENERATION;
  for (let guard = 0; guard < 100_000 && queue.length > 0; guard += 1) {
    if (batches >= maxBatches) break;
    // The operator's stop flag, before every batch but the first (a stop during the final sleep
    // arrives as an event instead).
    if (batches > 0 && limits.stopSince !== undefined) {
      stopped = yield* stopRequested(context, limits.stopSince);
      if (stopped !== undefined) break;
    }
    if (rateLimitedUntil !== undefined) {
      const wait = rateLimitedUntil - now();
      if (wait > limits.maxRateLimitWaitMs) break;
      if (wait > 0) yield context.df.createTimer(new Date(rateLimitedUntil));
      rateLimitedUntil = undefined;
    }
    if (now() >= limits.stopStartingAt) break;
    const at = now();
    const batch = takeBatch(queue, parallel, limits.maxPerFeed).map((unit): WorkUnit => {
      // Stamped so the checkpoint can order this run's progress (sent by the activity) against
      // results (sent from here), and ignore it if the cursor was reset after planning.
      const epoch = limits.epochs?.[unit.key];
      return {
        ...unit,
        run: { at, n: (limits.stampBase ?? 0) + dispatched++ },
        ...(epoch !== undefined ? { epoch } : {}),
      };
    });
    if (batch.length === 0) break;
    batches += 1;
    const tasks = batch.map((unit) => {
      const input: IngestUnitInput = { unit, budgetMs: limits.budgetMs };
      return context.df.callActivityWithRetry(FUNCTIONS.ingestUnit, retry, input);
    });
    try {
      yield* allOf(context, tasks);
    } catch {
      // Fail-fast: wait for the rest individually (see above), so no finished unit goes unrecorded.
      for (const task of tasks) {
        if (task.isCompleted || task.isFaulted) continue;
        try {
          yield task;
        } catch {
          // Recorded below as a failed unit.
        }
      }
    }
    batch.forEach((unit, index) => {
      const task = tasks[index];
      if (!task) return;
      const result = resultOf(task, unit);
      unitsRun += 1;
      if (result.kind === "failed") unitsFailed += 1;
      if (result.kind === "partial" && !madeProgress(result)) unitsStalled += 1;
      const { digest, ...recorded } = result;
      // The activity stores its digest in the digest entity itself (large values stay out of this
      // history); one that could not still returns it. Order matters when the process dies between two
      // of these: the digest is stored before the checkpoint that schedules its sweep (else a sweep
      // could run with no digest and send everything again), and deleted only after the checkpoint
      // that ends the sweeps.
      if (unit.kind === "time-window" && digest) {
        context.df.signalEntity(digestEntityId(unit), "add", digest);
      }
      context.df.signalEntity(checkpointEntityId(unit.key), "record", {
        unit: withoutSeen(unit),
        result: recorded,
        at: now(),
      });
      if (unit.kind === "time-window") {
        const swept = unit.sweep === true && isFinalSweep(unit.sweepStage) && result.kind === "completed";
        const overflowed = unit.collectDigest === true && result.digestOverflow === true;
        if (swept || overflowed) context.df.signalEntity(digestEntityId(unit), "delete");
      }
      const tally = tallies[unit.key] ?? { counts: zeroCounts(), units: 0 };
      tallies[unit.key] = {
        counts: addCounts(tally.counts, result.counts),
        units: tally.units + 1,
        lastOutcome: result.kind,
        ...(result.kind === "failed" || result.kind === "partial"
          ? { lastError: result.reason }
          : tally.lastError !== undefined
            ? { lastError: tally.lastError }
            : {}),
        ...(result.kind === "failed" && !result.retryable
          ? { permanentError: result.reason }
          : tally.permanentError !== undefined
            ? { permanentError: tally.permanentError }
            : {}),
      };
      const { run: _run, ...unstamped } = unit;
      const next = { ...unstamped, resume: result.resume } as WorkUnit;
      if (result.kind === "rate-limited") {
        rateLimitedUntil = Math.max(rateLimitedUntil ?? 0, result.until);
        parallel = Math.max(1, Math.floor(parallel / 2));
        queue.unshift(next);
      } else if (result.kind === "partial" && madeProgress(result)) {
        const used = continuations[unit.key] ?? 0;
        if (used < limits.maxContinuationsPerCycle) {
          continuations[unit.key] = used + 1;
          queue.unshift(next);
        }
      }
    });
  }
  const carry = rateLimitedUntil !== undefined && rateLimitedUntil > now() ? rateLimitedUntil : undefined;
  return {
    tallies,
    ...(carry !== undefined ? { rateLimitedUntil: carry } : {}),
    parallelism: parallel,
    unitsRun,
    unitsFailed,
    unitsStalled,
    unitsNotStarted: queue.length,
    truncated: batches >= maxBatches && queue.length > 0 && stopped === undefined,
    ...(stopped !== undefined ? { stopped } : {}),
  };
}

/** Entity messages carry bounds and resume points, not a sweep's digest. */
function withoutSeen(unit: WorkUnit): WorkUnit {
  if (unit.kind !== "time-window" || unit.seen === undefined) return unit;
  const { seen: _seen, ...rest } = unit;
  return rest;
}

/**
 * Takes the next batch from the queue in priority order: at most `parallel` units, at most `perFeed`
 * of one feed, and one unit per non-window cursor (a SIEM/token cursor is sequential by nature).
 */
export function takeBatch(queue: WorkUnit[], parallel: number, perFeed: number): WorkUnit[] {
  const batch: WorkUnit[] = [];
  for (let i = 0; i < queue.length && batch.length < parallel;) {
    const unit = queue[i]!;
    const sameFeed = batch.filter((u) => u.feedId === unit.feedId).length;
    const sameCursor = unit.kind !== "time-window" && batch.some((u) => u.key === unit.key);
    if (sameFeed < perFeed && !sameCursor) {
      batch.push(unit);
      queue.splice(i, 1);
    } else {
      i += 1;
    }
  }
  return batch;
}

/** A failed activity (retries exhausted) is a failed unit that ingested nothing: retry it next cycle. */
function resultOf(task: Task, unit: WorkUnit): UnitResult {
  if (task.isFaulted) {
    const error = task.result;
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: "failed",
      counts: zeroCounts(),
      resume: unit.resume,
      reason: `activity failed after retries: ${message}`,
      retryable: true,
    };
  }
  return task.result as UnitResult;
}
