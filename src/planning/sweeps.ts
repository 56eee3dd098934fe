/**
 * Ages (time after a window's end) at which a recent window is swept for late events: early sweeps
 * deliver most late events within minutes, the last one at the full horizon catches the stragglers.
 */
const SWEEP_FRACTIONS = [1 / 12, 1 / 4, 1];

export function sweepAges(horizonMs: number): number[] {
  return SWEEP_FRACTIONS.map((fraction) => Math.round(horizonMs * fraction));
}

/** The last sweep deletes the window's digest. */
export function isFinalSweep(stage: number | undefined): boolean {
  return (stage ?? 0) >= SWEEP_FRACTIONS.length - 1;
}
