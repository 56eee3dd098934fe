import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runKills } from "./harness";
import { MIMECAST_FAULTS, PROFILES, scenarios } from "./scenarios";
import { assertRun, runScenario } from "./assertRun";

/**
 * The CI profile of the fault suite, Mimecast faults and kill -9 (Sentinel faults, the mixed run and
 * duplicate execution run under a non-UTC zone in faults.tz.ci.test.ts); the full profile is
 * `npm run test:faults` (docs/faults.md).
 */
const plan = scenarios(PROFILES.ci);

describe("fault suite (CI profile): every published event exactly once under Mimecast faults", () => {
  for (const scenario of plan.inProcess.filter((s) => s.name in MIMECAST_FAULTS)) {
    it(`${scenario.name}: every published event arrives, no copy beyond what the fault explains`, async (t) => {
      await runScenario(t, scenario);
    });
  }

  it(`kill -9 ${plan.kill.kills} times: resumes from the state file; each kill re-sends at most a segment per cursor`, async (t) => {
    const report = await runKills(plan.kill);
    assert.equal(report.kills, plan.kill.kills);
    assertRun(t, report);
  });
});
