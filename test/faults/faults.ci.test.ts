import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunReport } from "./harness";
import { printReports, runInProcess, runKills } from "./harness";
import { PROFILES, scenarios } from "./scenarios";

/** The CI profile of the fault suite (the full one is `npm run test:faults`, docs/faults.md). */
const plan = scenarios(PROFILES.ci);

function assertExactlyOnce(report: RunReport): void {
  printReports([report], (line) => void process.stdout.write(`# ${line}\n`));
  assert.ok(report.expected > 0, "the run covered events");
  assert.equal(report.missing, 0, "missing");
  assert.equal(report.duplicated, 0, "unexplained duplicates");
  // Dead-letters against injected malformed lines is checked by the accounting (a range: see accounting.ts).
  assert.deepEqual(report.violations, []);
}

describe("fault suite (CI profile): every event exactly once under injected faults", () => {
  for (const scenario of plan.inProcess) {
    it(`${scenario.name}: nothing missing, no unexplained duplicate, every malformed line dead-lettered`, async () => {
      const report = await runInProcess(scenario);
      assertExactlyOnce(report);
      if (scenario.name !== "mixed") assert.ok(report.injected > 0, "the fault was injected");
    });
  }

  it(`kill -9 ${plan.kill.kills} times: resumes from the state file; re-sent rows only inside interrupted units`, async () => {
    const report = await runKills(plan.kill);
    assertExactlyOnce(report);
    assert.equal(report.kills, plan.kill.kills);
  });
});
