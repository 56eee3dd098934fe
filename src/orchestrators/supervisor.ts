import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { cursorLagSeconds, cursorStatus, windowsBehind } from "../planning/cursorStatus";
import type { CursorStatus } from "../planning/cursorStatus";
import { planCursor, planCycle } from "../planning/planner";
import { nextTick } from "../planning/schedule";
import { siemPathView } from "../planning/siemPath";
import type { SiemPathView } from "../planning/siemPath";
import { initialCheckpoint } from "../planning/checkpoint";
import type { CheckpointState, CursorDescriptor, CycleSettings } from "../planning/types";
import type { CursorTally, DispatchSummary } from "./dispatch";
import { STAMP_STRIDE, dispatchUnits } from "./dispatch";
import { FUNCTIONS, STOP_EVENT } from "./names";
import { readCheckpoints, stopRequested } from "./tasks";

/** The supervisor's carried state between cycles (continueAsNew): small by construction. */
export interface SupervisorInput {
  cycle: number;
  /** Parallelism after the last cycle's rate limits. */
  parallelism?: number;
  /** App-wide Mimecast pause carried over from the last cycle. */
  rateLimitedUntil?: number;
  /** Stop after this many cycles (the local host's `--once`; the deployed supervisor runs forever). */
  maxCycles?: number;
  /** When this supervisor was started: an operator's stop made before it does not apply to it. */
  since?: number;
}

/** The output of a supervisor that ended on an operator's stop (the watchdog leaves it stopped). */
export const OPERATOR_STOP_PREFIX = "operator stop: ";

/** One line per cursor, as the status endpoint, the custom status and the health table show it. */
export interface CursorHealth {
  key: string;
  feedId: string;
  status: CursorStatus;
  watermark?: number;
  lagSeconds?: number;
  backlogWindows: number;
  eventsLastCycle: number;
  eventsTotal: number;
  deadLettered: number;
  ambiguous: number;
  rateLimitedUntil?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** SIEM types: which path (batch files or event stream) owns the type, why, and since when. */
  siemPath?: SiemPathView;
}

export interface CycleReport {
  cycle: number;
  startedAt: number;
  finishedAt: number;
  nextTickAt?: number;
  unitsRun: number;
  unitsFailed: number;
  unitsNotStarted: number;
  rateLimitedUntil?: number;
  cursors: CursorHealth[];
}

export interface WriteHealthInput {
  instanceId: string;
  report: CycleReport;
}

/** Budget of one ingest activity: far below the Consumption plan's 10-minute ceiling. */
export const UNIT_BUDGET_MS = 4 * 60_000;
/** Rate-limit resets nearer than this are waited out inside the cycle on a durable timer. */
export const MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS = 15 * 60_000;

/**
 * The eternal supervisor. Each cycle: read settings (an activity — orchestrators may not read them),
 * read every cursor's checkpoint, plan with the pure planner, run the units with bounded parallelism,
 * write one health row per cursor, sleep on a durable timer until the schedule's next tick, and
 * continueAsNew with a few numbers so history never grows.
 */
export const supervisorOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
): Generator<Task, CycleReport | string | undefined, unknown> {
  const input = context.df.getInput<SupervisorInput | undefined>() ?? { cycle: 0 };
  const cycle = input.cycle ?? 0;
  const startedAt = context.df.currentUtcDateTime.getTime();
  const since = input.since ?? 0;

  if (input.rateLimitedUntil !== undefined && input.rateLimitedUntil > startedAt) {
    yield context.df.createTimer(new Date(input.rateLimitedUntil));
  }

  const settings = (yield context.df.callActivity(FUNCTIONS.readCycleSettings)) as CycleSettings;
  const keys = settings.cursors.map((c) => c.key);
  const byKey = yield* readCheckpoints(context, keys);

  const planAt = context.df.currentUtcDateTime.getTime();
  const plan = planCycle(settings, byKey, planAt);
  const tickAt = nextTick(settings.schedule, planAt);
  const unitsPerFeed: Record<string, number> = {};
  for (const unit of plan.units) unitsPerFeed[unit.feedId] = (unitsPerFeed[unit.feedId] ?? 0) + 1;
  context.df.setCustomStatus({
    cycle,
    phase: "ingesting",
    units: plan.units.length,
    unitsPerFeed,
    nextTickAt: tickAt,
  });

  const summary: DispatchSummary = yield* dispatchUnits(context, plan.units, {
    maxParallel: input.parallelism ?? settings.maxParallel,
    maxPerFeed: settings.maxPerFeed,
    maxContinuationsPerCycle: settings.maxContinuationsPerCycle,
    stopStartingAt: Math.max(tickAt, planAt + 60_000),
    maxRateLimitWaitMs: MAX_IN_CYCLE_RATE_LIMIT_WAIT_MS,
    budgetMs: UNIT_BUDGET_MS,
    epochs: epochsOf(byKey),
    stopSince: since,
    stampBase: cycle * STAMP_STRIDE,
  });

  const finishedAt = context.df.currentUtcDateTime.getTime();
  const afterByKey = yield* readCheckpoints(context, keys);
  const after = keys.map((key) => afterByKey[key]);
  const report: CycleReport = {
    cycle,
    startedAt,
    finishedAt,
    unitsRun: summary.unitsRun,
    unitsFailed: summary.unitsFailed,
    unitsNotStarted: summary.unitsNotStarted,
    ...(summary.rateLimitedUntil !== undefined ? { rateLimitedUntil: summary.rateLimitedUntil } : {}),
    cursors: settings.cursors.map((c, i) =>
      cursorHealth(c, after[i], settings, summary.tallies[c.key], finishedAt),
    ),
  };
  const writeHealth: WriteHealthInput = { instanceId: context.df.instanceId, report };
  yield context.df.callActivity(FUNCTIONS.writeHealth, writeHealth);

  const lastCycle = input.maxCycles !== undefined && cycle + 1 >= input.maxCycles;
  const wakeAt = nextTick(settings.schedule, context.df.currentUtcDateTime.getTime());
  const finalReport = { ...report, ...(lastCycle ? {} : { nextTickAt: wakeAt }) };
  context.df.setCustomStatus(compactStatus(finalReport));
  if (summary.stopped !== undefined) return stopped(context, cycle, summary.stopped);
  if (lastCycle) return finalReport;

  // A backfill that used up its planned windows long before the tick goes straight on: sleeping to the
  // tick would make the schedule, not Mimecast's quota, the bound (8 windows per cursor per tick). Only
  // after a clean cycle that did work, so a failing or throttled cursor never spins.
  // A generation cut at its batch bound goes on at once too (the bound keeps history small, it is
  // not a pause).
  const keepGoing =
    summary.unitsRun > 0 &&
    summary.unitsFailed === 0 &&
    summary.unitsStalled === 0 &&
    summary.rateLimitedUntil === undefined &&
    (summary.truncated || report.cursors.some((c) => c.status === "behind"));
  if (!keepGoing) {
    // Sleep until the tick, or until an operator's stop wakes us (both fresh tasks: no re-emission).
    // A stop raised while the cycle ran is buffered by Durable and wakes this at once.
    const stop = context.df.waitForExternalEvent(STOP_EVENT);
    const timer = context.df.createTimer(new Date(wakeAt));
    const first = yield context.df.Task.any([stop, timer]);
    if (first === stop) {
      const reason = yield* stopRequested(context, since);
      if (reason !== undefined) return stopped(context, cycle, reason);
    }
  }
  // Grow parallelism back by one per cycle without a rate limit.
  const parallelism =
    summary.rateLimitedUntil === undefined
      ? Math.min(settings.maxParallel, summary.parallelism + 1)
      : summary.parallelism;
  const carry: SupervisorInput = {
    cycle: cycle + 1,
    parallelism,
    ...(summary.rateLimitedUntil !== undefined ? { rateLimitedUntil: summary.rateLimitedUntil } : {}),
    ...(input.maxCycles !== undefined ? { maxCycles: input.maxCycles } : {}),
    ...(input.since !== undefined ? { since: input.since } : {}),
  };
  context.df.continueAsNew(carry);
  return undefined;
};

/** Ends the supervisor on an operator's stop: every unit it started has been recorded by now. */
function stopped(context: OrchestrationContext, cycle: number, reason: string): string {
  context.df.setCustomStatus({ cycle, phase: "stopped", reason });
  return `${OPERATOR_STOP_PREFIX}${reason}`;
}

function epochsOf(states: Record<string, CheckpointState>): Record<string, number> {
  const epochs: Record<string, number> = {};
  for (const [key, state] of Object.entries(states)) if (state.epoch !== undefined) epochs[key] = state.epoch;
  return epochs;
}

/** A cursor's health after a cycle: labels and backlog from src/planning/cursorStatus (shared views). */
export function cursorHealth(
  descriptor: CursorDescriptor,
  state: CheckpointState | undefined,
  settings: CycleSettings,
  tally: CursorTally | undefined,
  now: number,
): CursorHealth {
  const watermark = state?.watermark;
  const rateLimited = state?.rateLimitedUntil !== undefined && state.rateLimitedUntil > now;
  // Planned again from the state after the cycle, as the status route does: the two agree.
  const backlog = windowsBehind(
    descriptor,
    planCursor(descriptor, state ?? initialCheckpoint(descriptor.key), settings, now),
    now,
  );
  const lagSeconds = cursorLagSeconds(state, now, descriptor.lagMs);
  return {
    key: descriptor.key,
    feedId: descriptor.feedId,
    status: cursorStatus(state, backlog, now),
    ...(watermark !== undefined ? { watermark } : {}),
    ...(lagSeconds !== undefined ? { lagSeconds } : {}),
    backlogWindows: backlog,
    eventsLastCycle: tally?.counts.ingested ?? 0,
    eventsTotal: state?.totals.ingested ?? 0,
    deadLettered: state?.totals.deadLettered ?? 0,
    ambiguous: state?.totals.ambiguous ?? 0,
    ...(rateLimited ? { rateLimitedUntil: state.rateLimitedUntil } : {}),
    ...(state?.lastError ? { lastError: state.lastError.message, lastErrorAt: state.lastError.at } : {}),
    ...(descriptor.kind === "siem-day" ? { siemPath: siemPathView(state?.cursor) } : {}),
  };
}

/** Custom status is capped at 16 KB: keep per-cursor essentials only. */
export function compactStatus(report: CycleReport): Record<string, unknown> {
  return {
    cycle: report.cycle,
    phase: "sleeping",
    finishedAt: report.finishedAt,
    nextTickAt: report.nextTickAt,
    unitsRun: report.unitsRun,
    unitsFailed: report.unitsFailed,
    rateLimitedUntil: report.rateLimitedUntil,
    cursors: report.cursors.map((c) => [c.key, c.status, c.lagSeconds ?? null, c.eventsLastCycle]),
  };
}
