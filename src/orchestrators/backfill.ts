import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { planCycle } from "../planning/planner";
import type { CheckpointState, CursorDescriptor, CycleSettings } from "../planning/types";
import { checkpointEntityId, dispatchUnits } from "./dispatch";
import { FUNCTIONS } from "./names";
import { MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS, UNIT_BUDGET_MS } from "./supervisor";

/** An operator's backfill request: time-window feeds, a closed range, its own cursors. */
export interface BackfillInput {
  requestId: string;
  feeds: string[];
  from: number;
  to: number;
  round?: number;
  rateLimitedUntil?: number;
}

export interface BackfillProgress {
  requestId: string;
  round: number;
  feeds: { key: string; feedId: string; watermark?: number; backlogWindows: number; ingested: number }[];
  done: boolean;
}

/** Rounds a backfill may take before it gives up (each round is bounded by the schedule's cadence). */
const MAX_ROUNDS = 10_000;

export function backfillCursorKey(requestId: string, feedId: string): string {
  return `backfill~${requestId}~${feedId}`;
}

/**
 * A separate instance per request, so extending history never holds up live tailing. It walks its own
 * cursors (keys `backfill~<request>~<feed>`) from `from` to `to` with the same planner, dispatcher and
 * checkpoint entity as the supervisor, one round per episode, continueAsNew between rounds.
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
  const read = function* (): Generator<Task, CheckpointState[], unknown> {
    return (yield context.df.Task.all(
      cursors.map((c) => context.df.callEntity(checkpointEntityId(c.key), "get")),
    )) as CheckpointState[];
  };
  const before = yield* read();
  const states: Record<string, CheckpointState> = {};
  cursors.forEach((c, i) => {
    const s = before[i];
    if (s) states[c.key] = s;
  });
  const now = context.df.currentUtcDateTime.getTime();
  const plan = planCycle({ ...settings, cursors }, states, now);
  const summary = yield* dispatchUnits(context, plan.units, {
    maxParallel: settings.maxParallel,
    maxPerFeed: settings.maxPerFeed,
    maxContinuationsPerCycle: settings.maxContinuationsPerCycle,
    stopStartingAt: now + 60 * 60_000,
    maxRateLimitWaitMs: MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS,
    budgetMs: UNIT_BUDGET_MS,
  });
  const after = yield* read();
  const afterStates: Record<string, CheckpointState> = {};
  cursors.forEach((c, i) => {
    const s = after[i];
    if (s) afterStates[c.key] = s;
  });
  const remaining = planCycle({ ...settings, cursors }, afterStates, context.df.currentUtcDateTime.getTime());
  const progress: BackfillProgress = {
    requestId: input.requestId,
    round,
    feeds: cursors.map((c, i) => ({
      key: c.key,
      feedId: c.feedId,
      ...(after[i]?.watermark !== undefined ? { watermark: after[i]?.watermark } : {}),
      backlogWindows: remaining.cursors[i]?.backlogWindows ?? 0,
      ingested: after[i]?.totals.ingested ?? 0,
    })),
    done: remaining.units.length === 0 || round + 1 >= MAX_ROUNDS,
  };
  context.df.setCustomStatus(progress);
  if (progress.done) return progress;
  context.df.continueAsNew({
    ...input,
    round: round + 1,
    ...(summary.rateLimitedUntil !== undefined ? { rateLimitedUntil: summary.rateLimitedUntil } : {}),
  });
  return progress;
};
