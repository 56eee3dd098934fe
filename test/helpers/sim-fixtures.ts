/** Shared simulator test setup: a fixed instant and a seeded simulator on a manual clock. */
import type { SimulatorOptions } from "../../simulator/index";
import { manualClock, startSimulator } from "../../simulator/index";
import type { Simulator } from "../../simulator/index";

/** Monday 2024-11-18 12:07:00 UTC: mid-slot on purpose, so slot boundaries are exercised. */
export const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function startTestSimulator(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({ seed: 42, clock: manualClock(NOW), ...options });
}

/** Runs `body` with a fresh simulator and always closes it. */
export async function withSimulator<T>(
  options: Partial<SimulatorOptions>,
  body: (sim: Simulator) => Promise<T>,
): Promise<T> {
  const sim = await startTestSimulator(options);
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

export function sortedKeysOf(events: Iterable<{ key: string }>): string[] {
  return [...events].map((e) => e.key).sort();
}
