import { describe, it } from "node:test";
import { PROFILES, STREAM_SCENARIOS, scenarios } from "./scenarios";
import { runScenario } from "./assertRun";

/**
 * The CI profile of the SIEM stream runs (issue 13): an outage longer than the stream's 24 hours, and
 * stream 429s with repeated pages in arrival order. Each must hand types over both ways, and lose or
 * duplicate nothing at any hand-over. Its own file, so the test runner runs it beside the others.
 */
const plan = scenarios(PROFILES.ci);

describe("fault suite (CI profile): the SIEM stream and its hand-overs", () => {
  for (const scenario of plan.inProcess.filter((s) => STREAM_SCENARIOS.includes(s.name))) {
    it(`${scenario.name}: every published event arrives once across stream ↔ batch hand-overs`, async (t) => {
      await runScenario(t, scenario);
    });
  }
});
