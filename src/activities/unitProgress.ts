import { randomUUID } from "node:crypto";
import type { IngestCounts } from "../ingest/types";
import { addCounts, zeroCounts } from "../ingest/types";
import { checkpointEntityId, digestEntityId } from "../orchestrators/dispatch";
import { progressOf } from "../planning/checkpoint";
import type { CheckpointState, ProgressReport, UnitResult, WorkUnit } from "../planning/types";
import { runUnit } from "../runtime/runUnit";
import type { Runtime } from "../runtime/runtime";
import type { Clock } from "../shared/clock";
import { systemClock } from "../shared/clock";
import { globalRedactor } from "../shared/logger";
import type { CheckpointChannel } from "./checkpointChannel";
import type { LeaseTiming } from "./runLease";
import { LEASE_TIMING, leadOrFollow, releaseLead } from "./runLease";
import { sharedLimitsFor } from "./sharedLimits";

/** How long past its own budget a copy waits for another copy of its run (runLease). */
export const FOLLOW_GRACE_MS = 60_000;
/** The least budget a copy that waited for another one still runs with. */
const MIN_BUDGET_AFTER_WAIT_MS = 10_000;

/** The real-time clock and timings of the lead/follow protocol (tests shorten them). */
export interface LeaseOptions {
  wall: Clock;
  timing: LeaseTiming;
}

/**
 * Runs one unit with checkpoints inside it. With a channel to the entities:
 * - a run Durable executes again (host recycle, at-least-once delivery) resumes where its own progress
 *   says, counting on from what that progress already counted;
 * - a sweep reads its window's first-pass digest itself, and a first pass stores its digest itself,
 *   so ~19 KB digests never pass through the orchestration's history;
 * - after every request Sentinel accepted (one ≤ 900 KB call) and at the unit's end, the resume point
 *   is signalled to the cursor's checkpoint (`progress`) — after the digest of what it covers, for a
 *   first pass — so a kill, a recycle, a hard terminate or a second execution repeats at most the
 *   request in flight;
 * - two copies running at the same time (Durable replays an episode that crashed between sending its
 *   work and committing it) do not both send: one leads, the other waits for its result (runLease).
 * Without one (an older host), the unit runs as before and its digest travels in the result.
 */
export async function ingestWithProgress(
  runtime: Runtime,
  unit: WorkUnit,
  budgetMs: number,
  channel: CheckpointChannel | undefined,
  lease: LeaseOptions = { wall: systemClock, timing: LEASE_TIMING },
): Promise<UnitResult> {
  let start: WorkUnit = unit;
  let base: IngestCounts = zeroCounts();
  let seq = 0;
  // Rate-limit pauses are shared by every instance of the application (Flex Consumption scales out).
  const limits = channel ? sharedLimitsFor(await runtime.client.rateLimiter(), channel) : undefined;
  const refreshLimits = async (): Promise<void> => {
    try {
      await limits?.refresh(runtime.clock.now());
    } catch (error) {
      runtime.logger.warn("shared rate limits not read", { error: describe(error) });
    }
  };
  await refreshLimits();
  const executor = channel?.newExecutorId?.() ?? randomUUID();
  const run = unit.run;
  let budget = budgetMs;
  if (channel && run) {
    const waitStarted = lease.wall.now();
    const role = await leadOrFollow(
      channel,
      { ...withoutSeen(unit), run },
      executor,
      budgetMs + FOLLOW_GRACE_MS,
      lease.wall,
      lease.timing,
      (holder) => channel.isExecutorGone?.(holder) ?? false,
    ).catch((error: unknown) => {
      runtime.logger.warn("run not claimed; sending anyway", { cursor: unit.key, error: describe(error) });
      return { role: "lead", why: "unreadable" } as const;
    });
    if (role.role === "follow") {
      runtime.logger.info("another execution of this run finished it; returning its result", {
        cursor: unit.key,
      });
      return role.result;
    }
    if (role.role === "late") {
      runtime.logger.info("this run's result is already recorded; nothing to send", { cursor: unit.key });
      return {
        kind: "partial",
        counts: zeroCounts(),
        resume: unit.resume,
        reason: "another execution of this run already recorded its result",
      };
    }
    if (role.why !== "claimed") runtime.logger.warn("leading a run", { cursor: unit.key, why: role.why });
    const waited = lease.wall.now() - waitStarted;
    if (waited > 0) budget = Math.max(budgetMs - waited, Math.min(budgetMs, MIN_BUDGET_AFTER_WAIT_MS));
  }
  if (channel) {
    const prior = progressOf(
      await readQuietly<CheckpointState>(runtime, channel, checkpointEntityId(unit.key)),
      unit,
    );
    if (prior) {
      start = { ...start, resume: prior.resume };
      base = prior.counted;
      seq = prior.seq;
    }
    if (start.kind === "time-window" && start.sweep === true && start.seen === undefined) {
      const digest = await readQuietly<string>(runtime, channel, digestEntityId(start));
      start = { ...start, seen: typeof digest === "string" ? digest : "" };
    }
  }
  const onSegmentAccepted =
    channel && unit.run
      ? async (resume: unknown, counts: IngestCounts, digest?: string): Promise<void> => {
          if (digest !== undefined && digest !== "" && unit.kind === "time-window") {
            // The digest first: a resume point past records the digest lacks would let the late-event
            // sweep send them again. Both merge idempotently, so repeats are harmless.
            try {
              await channel.signalEntity(digestEntityId(unit), "add", digest);
            } catch (error) {
              runtime.logger.warn("digest not stored", { cursor: unit.key, error: describe(error) });
              return; // no progress past what the digest holds
            }
          }
          seq += 1;
          const report: ProgressReport = {
            unit: withoutSeen(unit),
            resume,
            counts: addCounts(base, counts),
            seq,
            at: runtime.clock.now(),
          };
          await refreshLimits();
          try {
            await channel.signalEntity(checkpointEntityId(unit.key), "progress", report);
          } catch (error) {
            // Best effort: the unit's result still records everything; only crash safety is weaker.
            runtime.logger.warn("progress not signalled", { cursor: unit.key, error: describe(error) });
          }
        }
      : undefined;
  let result: UnitResult;
  try {
    result = await runUnit(runtime, start, budget, undefined, onSegmentAccepted);
  } catch (error) {
    if (channel && run) await releaseQuietly(runtime, channel, { ...withoutSeen(unit), run }, executor, seq);
    throw error;
  }
  const out: UnitResult = { ...result, counts: addCounts(base, result.counts) };
  // Nothing sent, nothing to skip later: an eventless window leaves no digest entity behind.
  if (out.digest === "") delete out.digest;
  if (channel && unit.kind === "time-window" && out.digest !== undefined) {
    try {
      await channel.signalEntity(digestEntityId(unit), "add", out.digest);
      delete out.digest;
    } catch (error) {
      runtime.logger.warn("digest not stored; it goes back with the result", { error: describe(error) });
    }
  }
  // Reasons end up in checkpoints, status and health rows: never with a secret in them.
  if (out.kind === "failed" || out.kind === "partial") out.reason = globalRedactor.redact(out.reason);
  // A digest still in the result could not be stored: a follower could not return it, so it leads.
  if (channel && run && out.digest === undefined) {
    await releaseQuietly(runtime, channel, { ...withoutSeen(unit), run }, executor, seq, out);
  } else if (channel && run) {
    await releaseQuietly(runtime, channel, { ...withoutSeen(unit), run }, executor, seq);
  }
  return out;
}

async function releaseQuietly(
  runtime: Runtime,
  channel: CheckpointChannel,
  unit: WorkUnit & { run: NonNullable<WorkUnit["run"]> },
  executor: string,
  seq: number,
  result?: UnitResult,
): Promise<void> {
  try {
    await releaseLead(channel, unit, executor, seq, result);
  } catch (error) {
    // A follower then takes over once this copy's position stops moving (LeaseTiming.staleMs).
    runtime.logger.warn("run not released", { cursor: unit.key, error: describe(error) });
  }
}

async function readQuietly<T>(
  runtime: Runtime,
  channel: CheckpointChannel,
  entity: ReturnType<typeof checkpointEntityId>,
): Promise<T | undefined> {
  try {
    const read = await channel.readEntityState<T>(entity);
    return read.entityExists ? read.entityState : undefined;
  } catch (error) {
    runtime.logger.warn("entity not readable; running the unit from its input", { error: describe(error) });
    return undefined;
  }
}

function withoutSeen(unit: WorkUnit): WorkUnit {
  if (unit.kind !== "time-window" || unit.seen === undefined) return unit;
  const { seen: _seen, ...rest } = unit;
  return rest;
}

function describe(error: unknown): string {
  return globalRedactor.redact(error instanceof Error ? error.message : String(error));
}
