import type { CursorPlan } from "./planner";
import type { CheckpointState, CursorDescriptor } from "./types";

/**
 * The one place that labels a cursor ok / behind / rate-limited / failing / idle and says how far behind
 * it is. The health table (via the supervisor), the status route's `summary` and `npm start`'s lines all
 * call these, so the three views agree. Pure: the supervisor calls them during replay.
 */

export type CursorStatus = "ok" | "behind" | "rate-limited" | "failing" | "idle";

/** Failures in a row after which a cursor is "failing" (one bad cycle is only noted, not alarmed). */
export const FAILING_AFTER = 3;

/**
 * Windows still to do behind the live tail. The newest window ending at "now − lag" is always there
 * (it grows every second), so it is not backlog: a caught-up feed shows 0 whenever it is asked.
 */
export function windowsBehind(descriptor: CursorDescriptor, plan: CursorPlan, now: number): number {
  const head = Math.min(now - descriptor.lagMs, descriptor.until ?? Number.POSITIVE_INFINITY);
  const tail = plan.live[0];
  const tailIsLive = tail !== undefined && tail.kind === "time-window" && tail.to >= head;
  return Math.max(0, plan.backlogWindows - (tailIsLive ? 1 : 0));
}

/**
 * Seconds between now and what Sentinel holds: the watermark for time windows; for cursors without one
 * (SIEM `@nextPage`, token chains, snapshots) the last successful run, which read up to "then − lag".
 */
export function cursorLagSeconds(
  state: CheckpointState | undefined,
  now: number,
  lagMs: number,
): number | undefined {
  if (state?.watermark !== undefined) return Math.max(0, Math.round((now - state.watermark) / 1000));
  if (state?.lastSuccessAt !== undefined) {
    return Math.max(0, Math.round((now - state.lastSuccessAt + lagMs) / 1000));
  }
  return undefined;
}

export function cursorStatus(
  state: CheckpointState | undefined,
  backlogWindows: number,
  now: number,
): CursorStatus {
  if ((state?.consecutiveFailures ?? 0) >= FAILING_AFTER) return "failing";
  if (state?.rateLimitedUntil !== undefined && state.rateLimitedUntil > now) return "rate-limited";
  if (backlogWindows > 0) return "behind";
  return state?.lastRun !== undefined ? "ok" : "idle";
}
