import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manualClock, startSimulator } from "../../simulator/index";

const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const MALICIOUS = new Set(["Phishing & Fraud", "Compromised", "Dangerous file extension", "Malware"]);

/** Issue 15 item 8: simulated records an analyst would not stumble over. */
describe("simulator data an analyst reads in npm start's tables", () => {
  it("TTP URL: the category agrees with the verdict; SIEM CG: attachments are plain file names", async () => {
    const sim = await startSimulator({ seed: 5, clock: manualClock(NOW), eventsPerDay: 2000 });
    try {
      const query = { from: NOW - 86_400_000, to: NOW };
      let clean = 0;
      for (const event of sim.groundTruth("ttp-url", query)) {
        const r = event.record as { scanResult?: string; action?: string; category?: string };
        if (r.scanResult !== "clean") continue;
        clean += 1;
        assert.equal(r.action, "allow");
        assert.ok(!MALICIOUS.has(r.category ?? ""), `clean, allowed URL with category ${r.category}`);
      }
      assert.ok(clean > 50, "enough clean URLs to mean something");
      let named = 0;
      for (const event of sim.groundTruth("siem-cg", query)) {
        const a = (event.record as { attachments?: unknown }).attachments;
        if (typeof a !== "string") continue;
        named += 1;
        assert.doesNotMatch(a, /"/, `attachments holds a quoted string: ${a}`);
      }
      assert.ok(named > 0, "some messages have attachments");
    } finally {
      await sim.close();
    }
  });
});
