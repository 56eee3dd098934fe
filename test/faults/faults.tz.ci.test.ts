// Before anything reads the clock: this half of the CI fault suite runs in India Standard Time
// (UTC+05:30), so local-time formatting of a window bound or a SIEM day cannot go unnoticed.
process.env["TZ"] = "Asia/Kolkata";

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIMECAST_FAULTS, PROFILES, STREAM_SCENARIOS, scenarios } from "./scenarios";
import { runScenario } from "./assertRun";

const plan = scenarios(PROFILES.ci);

describe("fault suite (CI profile, TZ=Asia/Kolkata): Sentinel faults, all faults at once, duplicate execution", () => {
  it("runs in a zone that is not UTC", () => {
    assert.equal(new Date(Date.UTC(2024, 10, 18, 0, 0)).getHours(), 5);
  });

  for (const scenario of plan.inProcess.filter(
    (s) => !(s.name in MIMECAST_FAULTS) && !STREAM_SCENARIOS.includes(s.name),
  )) {
    it(`${scenario.name}: every published event arrives, no copy beyond what the fault explains`, async (t) => {
      await runScenario(t, scenario);
    });
  }
});
