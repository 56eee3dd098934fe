import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { InProcessScenario, RunReport } from "./harness";
import { engineKnows, printReports, runInProcess } from "./harness";

/** The oracle's verdict as test assertions; a documented known issue is reported as a todo, not hidden. */
export function assertRun(t: TestContext, report: RunReport): void {
  printReports([report], (line) => void process.stdout.write(`# ${line}\n`));
  assert.ok(report.expected > 0, "the run covered published events");
  if (report.knownIssue !== undefined && report.violations.length > 0) {
    t.todo(`known issue: ${report.knownIssue} — ${report.violations.join("; ")}`);
    return;
  }
  assert.deepEqual(report.violations, []);
  assert.equal(report.missing, 0, "missing");
  assert.equal(report.duplicated, 0, "unexplained duplicates");
}

/** One in-process scenario as a test: the fault must have been injected, and the oracle satisfied. */
export async function runScenario(t: TestContext, scenario: InProcessScenario): Promise<void> {
  if (scenario.engine !== undefined && !engineKnows(scenario.engine)) {
    t.skip(
      `scripts/local/embedded.ts does not read ${Object.keys(scenario.engine).join(", ")} yet: not tested`,
    );
    return;
  }
  const report = await runInProcess(scenario);
  assertRun(t, report);
  if (scenario.name !== "mixed") assert.ok(report.injected > 0, "the fault was injected");
}
