import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { planCycle } from "../planning/planner";
import type { CheckpointState, CursorDescriptor, CycleSettings } from "../planning/types";
import { STAMP_STRIDE, dispatchUnits } from "./dispatch";
import { FUNCTIONS } from "./names";
import { MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS, UNIT_BUDGET_MS } from "./supervisor";
import { readCheckpoints } from "./tasks";

/** An operator's backfill request: time-window feeds, a closed range, its own cursors. */
export interface BackfillInput {
  requestId: string;
  feeds: string[];
  from: number;
  to: number;
  round?: number;
  rateLimitedUntil?: number;
  /** Rounds in a row that moved nothing (each followed by a growing durable wait). */
  idleRounds?: number;
  /** Feeds that failed for good, with the error: no longer planned, reported until the end. */
  failedFeeds?: Record<string, string>;
}

export interface BackfillProgress {
  requestId: string;
  round: number;
  feeds: {
    key: string;
    feedId: string;
    watermark?: number;
    backlogWindows: number;
    ingested: number;
    /** Why this feed cannot go on (a permanent Mimecast or Sentinel error). */
    error?: string;
  }[];
  done: boolean;
  /** Set when the backfill ended with work left: the cause. */
  failed?: string;
  /** Requested feeds that are no longer enabled (or have no time windows). */
  skippedFeeds?: string[];
}

/** Rounds a backfill may take before it gives up (each round is bounded by the schedule's cadence). */
const MAX_ROUNDS = 10_000;
/** Rounds without progress before a backfill gives up, and the wait after each (doubling, capped). */
export const MAX_IDLE_ROUNDS = 8;
const IDLE_WAIT_MS = 60_000;
const MAX_IDLE_WAIT_MS = 60 * 60_000;

export function backfillCursorKey(requestId: string, feedId: string): string {
  return `backfill~${requestId}~${feedId}`;
}

/**
 * A separate instance per request, so extending history never holds up live tailing. It walks its own
 * cursors (keys `backfill~<request>~<feed>`) from `from` to `to` with the same planner, dispatcher and
 * checkpoint entity as the supervisor, one round per episode, continueAsNew between rounds.
 *
 * It never spins: a round that moved nothing waits on a growing durable timer, a feed that failed for
 * good (403, a setting Mimecast refuses) is dropped with its error, and the backfill ends Failed,
 * reporting the work left, once no feed can go on or after MAX_IDLE_ROUNDS idle rounds.
 */
export const backfillOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
): Generator<Task, BackfillProgress, unknown> {
  const input = context.df.getInput<BackfillInput>();
  const round = input.round ?? 0;
  if (
    input.rateLimitedUntil !== undefined &&
    input.rateLimitedUntil > context.df.currentUtcDateTime.getTime()
  ) {
    yield context.df.createTimer(new Date(input.rateLimitedUntil));
  }
  const settings = (yield context.df.callActivity(FUNCTIONS.readCycleSettings)) as CycleSettings;
  const cursors: CursorDescriptor[] = settings.cursors
    .filter((c) => c.kind === "time-window" && input.feeds.includes(c.feedId))
    .map((c) => ({
      ...c,
      key: backfillCursorKey(input.requestId, c.feedId),
      since: input.from,
      until: input.to,
      lagMs: 0,
    }));
  const skippedFeeds = input.feeds.filter((f) => !cursors.some((c) => c.feedId === f));
  const failedFeeds: Record<string, string> = { ...(input.failedFeeds ?? {}) };
  const active = cursors.filter((c) => failedFeeds[c.feedId] === undefined);
  const keys = cursors.map((c) => c.key);
  const states = yield* readCheckpoints(context, keys);
  const epochs: Record<string, number> = {};
  for (const [key, state] of Object.entries(states)) if (state.epoch !== undefined) epochs[key] = state.epoch;
  const now = context.df.currentUtcDateTime.getTime();
  const plan = planCycle({ ...settings, cursors: active }, states, now);
  const summary = yield* dispatchUnits(context, plan.units, {
    maxParallel: settings.maxParallel,
    maxPerFeed: settings.maxPerFeed,
    maxContinuationsPerCycle: settings.maxContinuationsPerCycle,
    stopStartingAt: now + 60 * 60_000,
    maxRateLimitWaitMs: MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS,
    budgetMs: UNIT_BUDGET_MS,
    epochs,
    stampBase: round * STAMP_STRIDE,
  });
  const afterStates = yield* readCheckpoints(context, keys);
  // A feed that failed for good is not planned again: its windows are the work left.
  for (const c of active) {
    const permanent = summary.tallies[c.key]?.permanentError;
    if (permanent !== undefined) failedFeeds[c.feedId] = permanent;
  }
  const at = context.df.currentUtcDateTime.getTime();
  const remaining = planCycle({ ...settings, cursors }, afterStates, at);
  const goingOn = active.filter((c) => failedFeeds[c.feedId] === undefined);
  const workLeft = planCycle({ ...settings, cursors: goingOn }, afterStates, at).units.length > 0;
  const progressed = goingOn.some((c) => positionOf(afterStates[c.key]) !== positionOf(states[c.key]));
  const idleRounds = progressed || plan.units.length === 0 ? 0 : (input.idleRounds ?? 0) + 1;
  const failures = Object.entries(failedFeeds).map(([feed, error]) => `${feed}: ${error}`);
  const failed = !workLeft
    ? failures.length > 0
      ? `failed for good: ${failures.join("; ")}`
      : undefined
    : idleRounds >= MAX_IDLE_ROUNDS
      ? `${idleRounds} rounds in a row made no progress`
      : round + 1 >= MAX_ROUNDS
        ? `gave up after ${MAX_ROUNDS} rounds`
        : undefined;
  const progress: BackfillProgress = {
    requestId: input.requestId,
    round,
    feeds: cursors.map((c, i) => {
      const state = afterStates[c.key];
      const error = failedFeeds[c.feedId];
      return {
        key: c.key,
        feedId: c.feedId,
        ...(state?.watermark !== undefined ? { watermark: state.watermark } : {}),
        backlogWindows: remaining.cursors[i]?.backlogWindows ?? 0,
        ingested: state?.totals.ingested ?? 0,
        ...(error !== undefined ? { error } : {}),
      };
    }),
    done: !workLeft && failed === undefined,
    ...(failed !== undefined ? { failed } : {}),
    ...(skippedFeeds.length > 0 ? { skippedFeeds } : {}),
  };
  context.df.setCustomStatus(progress);
  // Runtime status Failed, with the custom status above naming the cause and the work left.
  if (failed !== undefined) throw new Error(`backfill ${input.requestId} ended with work left: ${failed}`);
  if (!workLeft) return progress;
  if (idleRounds > 0) {
    const wait = Math.min(MAX_IDLE_WAIT_MS, IDLE_WAIT_MS * 2 ** (idleRounds - 1));
    yield context.df.createTimer(new Date(at + wait));
  }
  context.df.continueAsNew({
    ...input,
    round: round + 1,
    idleRounds,
    ...(Object.keys(failedFeeds).length > 0 ? { failedFeeds } : {}),
    ...(summary.rateLimitedUntil !== undefined ? { rateLimitedUntil: summary.rateLimitedUntil } : {}),
  });
  return progress;
};

/** What "progress" means for a round: rows handled, or windows finished (an empty window counts). */
function positionOf(state: CheckpointState | undefined): string {
  if (!state) return "";
  return JSON.stringify([state.watermark, state.covered, state.totals.ingested, state.totals.deadLettered]);
}
