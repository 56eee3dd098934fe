import { progressOf } from "./checkpoint";
import type { CheckpointState, RunClaim, RunStamp, UnitResult, WorkUnit } from "./types";

/**
 * Who may send for a run, when Durable runs two copies of one activity at the same time (issue 10: an
 * episode that crashed between sending its messages and committing its history is replayed and sends
 * its work items again). The checkpoint entity applies claims one at a time, so the first claim it
 * applies leads; later claims change nothing. A follower takes over only by naming the holder and the
 * progress segment it saw stand still (`takeover`), so a leader that is still moving keeps its claim.
 * Pure and idempotent: a duplicated claim or release changes nothing.
 */
export const MAX_CLAIMS_KEPT = 8;

export interface ClaimInput {
  /** The unit the claiming execution runs (it carries the run stamp). */
  unit: WorkUnit & { run: RunStamp };
  by: string;
  /** Replace `from` as holder, if the run's position is still at segment `seq` (it stopped moving). */
  takeover?: { from: string; seq: number };
}

export interface ReleaseInput {
  run: RunStamp;
  by: string;
  /** The last progress segment the releasing execution signalled. */
  seq: number;
  /** What the releasing execution returns; absent when it failed (the claim is then given up). */
  result?: UnitResult;
}

/** Applies a claim (see the module comment). */
export function claimRun(state: CheckpointState, input: ClaimInput): CheckpointState {
  const { run } = input.unit;
  if (runIsFinal(state, run)) return state;
  const claims = state.claims ?? [];
  const current = claimOf(state, run);
  if (current) {
    if (current.by === input.by) return state;
    const { takeover } = input;
    if (!takeover || takeover.from !== current.by || takeover.seq !== positionSeqOf(state, input.unit))
      return state;
    const taken: RunClaim = { at: run.at, n: run.n, by: input.by };
    return { ...state, claims: claims.map((c) => (c === current ? taken : c)) };
  }
  const added: RunClaim = { at: run.at, n: run.n, by: input.by };
  return { ...state, claims: newestClaims([...claims, added]) };
}

/**
 * Marks the holder's run released with the result it returns, or (no result: the holder failed and
 * Durable will retry it) gives the claim up so that the retry can lead at once. A release by a
 * non-holder is ignored.
 */
export function releaseRun(state: CheckpointState, input: ReleaseInput): CheckpointState {
  const current = claimOf(state, input.run);
  if (!current || current.by !== input.by || current.done) return state;
  const claims = state.claims ?? [];
  if (input.result === undefined) {
    const rest = claims.filter((c) => c !== current);
    const next: CheckpointState = { ...state, claims: rest };
    if (rest.length === 0) delete next.claims;
    return next;
  }
  const released: RunClaim = { ...current, done: true, doneSeq: input.seq, result: input.result };
  return { ...state, claims: claims.map((c) => (c === current ? released : c)) };
}

/** The segment number of the run's current position in `state` (0: it recorded none yet). */
export function positionSeqOf(state: CheckpointState | undefined, unit: WorkUnit): number {
  return progressOf(state, unit)?.seq ?? 0;
}

export function claimOf(state: CheckpointState | undefined, run: RunStamp): RunClaim | undefined {
  return state?.claims?.find((c) => sameRun(c, run));
}

/** The run's result is recorded: every copy of it is too late to send anything. */
export function runIsFinal(state: CheckpointState | undefined, run: RunStamp): boolean {
  return (state?.runs ?? []).some((r) => sameRun(r, run) && r.final === true);
}

function newestClaims(claims: RunClaim[]): RunClaim[] {
  const sorted = [...claims].sort((a, b) => (a.at !== b.at ? a.at - b.at : a.n - b.n));
  return sorted.slice(Math.max(0, sorted.length - MAX_CLAIMS_KEPT));
}

function sameRun(a: RunStamp, b: RunStamp): boolean {
  return a.at === b.at && a.n === b.n;
}
