import type { FailedChunk } from "../sentinel/sink";
import type { IngestCounts, UnitOutcome } from "./types";

/**
 * What a unit reports when Sentinel did not take its rows: a throttled upload with a (bounded)
 * Retry-After is a rate-limit value the supervisor waits on; other retryable failures are `partial`,
 * the rest `failed`.
 */
export function sinkFailureOutcome<R>(
  failure: FailedChunk,
  counts: IngestCounts,
  resume: R,
  reason: string,
  now: number,
): UnitOutcome<R> {
  if (failure.code === "throttled" && failure.retryAfterMs !== undefined) {
    return { kind: "rate-limited", counts, resume, until: now + failure.retryAfterMs };
  }
  return failure.retryable
    ? { kind: "partial", counts, resume, reason }
    : { kind: "failed", counts, resume, reason, retryable: false };
}
