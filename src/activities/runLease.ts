import { checkpointEntityId } from "../orchestrators/dispatch";
import { claimOf, positionSeqOf, runIsFinal } from "../planning/runClaims";
import type { CheckpointState, RunStamp, UnitResult, WorkUnit } from "../planning/types";
import type { Clock } from "../shared/clock";
import type { CheckpointChannel } from "./checkpointChannel";

/**
 * How long a copy of a run waits, in real time (never the simulated clock: a follower must give the
 * leader wall-clock time to work). Azure's Durable client reads entity state from storage, so the
 * first polls are quick and later ones back off.
 */
export interface LeaseTiming {
  firstPollMs: number;
  maxPollMs: number;
  /** A claim that the entity has not applied within this is not waited for: the copy leads. */
  claimVisibleMs: number;
  /** A leader whose position has not moved for this long is presumed dead and taken over. */
  staleMs: number;
}

/**
 * Azure defaults: a live leader signals progress at least once per accepted Sentinel request; a gap of
 * three minutes (longer than a 120 s Sentinel call plus a Mimecast page) means its worker died.
 */
export const LEASE_TIMING: LeaseTiming = {
  firstPollMs: 50,
  maxPollMs: 2_000,
  claimVisibleMs: 30_000,
  staleMs: 3 * 60_000,
};

export type LeaseOutcome =
  /** This copy sends (it holds the claim, or the entity could not arbitrate in time). */
  | { role: "lead"; why: "claimed" | "took-over" | "claim-not-visible" | "wait-bound" | "unreadable" }
  /** Another copy finished the run: return its result, send nothing. */
  | { role: "follow"; result: UnitResult }
  /** The run's result is already recorded: this copy is too late, its result will be dropped. */
  | { role: "late" };

/**
 * Claims `unit`'s run for executor `by` and, when another copy holds it, waits (bounded by `maxWaitMs`)
 * until that copy releases the run, its result is recorded, or it stops moving (then takes it over).
 * Never waits without bound and never loses work: every doubtful case ends in "lead" (at worst the rows
 * of the overlap are sent twice, which the ambiguous-copy bound allows).
 */
export async function leadOrFollow(
  channel: CheckpointChannel,
  unit: WorkUnit & { run: RunStamp },
  by: string,
  maxWaitMs: number,
  wall: Clock,
  timing: LeaseTiming = LEASE_TIMING,
  /** Whether the host knows an execution is dead (see CheckpointChannel.isExecutorGone). */
  gone: (executor: string) => boolean = () => false,
): Promise<LeaseOutcome> {
  const entity = checkpointEntityId(unit.key);
  await channel.signalEntity(entity, "claim", { unit, by });
  const started = wall.now();
  let claimedAt = started;
  let poll = timing.firstPollMs;
  let watched: { holder: string; seq: number; since: number } | undefined;
  for (;;) {
    let state: CheckpointState | undefined;
    try {
      const read = await channel.readEntityState<CheckpointState>(entity);
      state = read.entityExists ? read.entityState : undefined;
    } catch {
      return { role: "lead", why: "unreadable" };
    }
    const now = wall.now();
    if (runIsFinal(state, unit.run)) return { role: "late" };
    const claim = claimOf(state, unit.run);
    if (claim?.by === by) return { role: "lead", why: watched ? "took-over" : "claimed" };
    if (claim?.done && claim.result !== undefined) return { role: "follow", result: claim.result };
    if (!claim) {
      if (watched) {
        // The holder gave its claim up (it failed; Durable retries it): claim again.
        await channel.signalEntity(entity, "claim", { unit, by });
        watched = undefined;
        claimedAt = now;
      } else if (now - claimedAt >= timing.claimVisibleMs) return { role: "lead", why: "claim-not-visible" };
    } else {
      const seq = positionSeqOf(state, unit);
      const fresh = !watched || watched.holder !== claim.by || watched.seq !== seq;
      if (fresh) watched = { holder: claim.by, seq, since: now };
      // A holder the host knows is dead (its process was killed) is taken over at once: waiting for it
      // to go stale would stall every unit a restarted process resumes for staleMs.
      const dead = fresh && gone(claim.by);
      if (dead || (!fresh && watched && now - watched.since >= timing.staleMs)) {
        await channel.signalEntity(entity, "claim", { unit, by, takeover: { from: claim.by, seq } });
        watched = { holder: claim.by, seq, since: now }; // one takeover request per stale period
      }
    }
    if (now - started >= maxWaitMs) return { role: "lead", why: "wait-bound" };
    await wall.sleep(Math.min(poll, Math.max(1, maxWaitMs - (now - started))));
    poll = Math.min(timing.maxPollMs, poll * 2);
  }
}

/** Tells followers the run is over, with the result this copy returns (none: it failed, give up the claim). */
export async function releaseLead(
  channel: CheckpointChannel,
  unit: WorkUnit & { run: RunStamp },
  by: string,
  seq: number,
  result: UnitResult | undefined,
): Promise<void> {
  await channel.signalEntity(checkpointEntityId(unit.key), "release", { run: unit.run, by, seq, result });
}
