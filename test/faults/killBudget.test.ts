import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RATE_LIMIT } from "../../simulator/core/options";
import { manualClock, startSimulator } from "../../simulator/index";
import { SIM_NOW, START_OF_DATA } from "./harness";
import { PROFILES, scenarios } from "./scenarios";

const DAY_MS = 86_400_000;
const CYCLE_MS = 5 * 60_000;

/**
 * The kill run's killed children run on a real clock, so they add seconds of simulated time; the final
 * child's clean cycles must give each quota-bound feed its minutes (issue 11: 3 cycles could not give a
 * day of remediation incidents, one get-incident call each, and the run reported the feed missing).
 * Counted from the simulator's ground truth; cycles cut short at their batch bound add no time, so
 * only half of the final cycles' span is counted on.
 */
describe("kill -9 run: the final child has the simulated time its quota-bound backlog needs", () => {
  for (const profile of Object.values(PROFILES)) {
    const { kill } = scenarios(profile);
    it(`${profile.name} profile: every remediation incident's get-incident call fits the final cycles' quota`, async () => {
      const sim = await startSimulator({
        seed: kill.seed,
        clock: manualClock(SIM_NOW),
        eventsPerDay: kill.volume.eventsPerDay,
        startOfData: START_OF_DATA,
      });
      try {
        let incidents = 0;
        const from = SIM_NOW - kill.volume.days * DAY_MS;
        for (const _ of sim.groundTruth("remediation-incidents", { from, to: SIM_NOW })) incidents += 1;
        const quotaMs = (incidents / DEFAULT_RATE_LIMIT.limit) * DEFAULT_RATE_LIMIT.windowMs;
        assert.ok(incidents > 0);
        assert.ok(
          quotaMs <= (kill.finalCycles * CYCLE_MS) / 2,
          `${incidents} incidents need ${Math.ceil(quotaMs / 60_000)} min of get-incident quota; ` +
            `${kill.finalCycles} final cycles give at most ${(kill.finalCycles * CYCLE_MS) / 60_000} min`,
        );
      } finally {
        await sim.close();
      }
    });
  }
});
