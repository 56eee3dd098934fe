/** Bounded exponential backoff with full jitter (AWS architecture blog's "full jitter" variant). */
export interface BackoffPolicy {
  /** Delay scale for the first retry. */
  baseDelayMs: number;
  /** No single wait exceeds this. */
  maxDelayMs: number;
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 500, maxDelayMs: 30_000, maxRetries: 5 };

/** Delay before retry number `retry` (1-based); `random` in [0,1) is injected for deterministic tests. */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  // Never zero: a burst of simultaneous retries still spreads out a little.
  return Math.max(1, Math.floor(random() * ceiling));
}
