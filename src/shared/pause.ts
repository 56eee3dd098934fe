/**
 * Bounds for every pause a remote service asks us for (Mimecast 429s and quota resets, Sentinel
 * `Retry-After`). A server value is advice, not an order: `0` must not turn into a hot retry loop, and a
 * reset in the year 33715 must not freeze a feed (or overflow `Date`). Values a server could plausibly
 * mean are clamped into [MIN_PAUSE_MS, MAX_PAUSE_MS]; values no server means (negative, not a number,
 * beyond a day) get the default pause instead.
 */

/** Shortest pause after a rate-limit answer: `0` means "soon", never "now, again, forever". */
export const MIN_PAUSE_MS = 1_000;
/** Longest pause we honour: longer ones are clamped (durable timers and checkpoints never see more). */
export const MAX_PAUSE_MS = 3_600_000;
/** Anything claiming to last longer than this is not a pause but a broken header. */
export const IMPLAUSIBLE_PAUSE_MS = 86_400_000;
/** When a 429 carries no usable hint (Rapid7 waits 10 min; we are less patient). */
export const DEFAULT_PAUSE_MS = 60_000;

/** A server-requested pause in ms (possibly absent or absurd) as a bounded one. */
export function boundedPauseMs(requested: number | undefined, fallbackMs = DEFAULT_PAUSE_MS): number {
  if (requested === undefined || !Number.isFinite(requested) || requested < 0) return fallbackMs;
  if (requested > IMPLAUSIBLE_PAUSE_MS) return fallbackMs;
  return Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, Math.round(requested)));
}

/** An instant for messages; never throws (`new Date(1e17).toISOString()` is a RangeError). */
export function safeIso(epochMs: number): string {
  const d = new Date(epochMs);
  return Number.isFinite(d.getTime()) ? d.toISOString() : `invalid time (${String(epochMs)})`;
}
