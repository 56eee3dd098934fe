/** Event times that do not exist are unreadable (dead-lettered with the reason), never rolled over. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMimecastTime } from "../../src/feeds/time";
import { mapRecord } from "../../src/feeds/mapping";
import { auditFeed } from "../../src/feeds/audit";

describe("impossible calendar times", () => {
  it("rejects days past the end of the month instead of rolling into the next one", () => {
    for (const bad of [
      "2026-02-30T10:00:00+0000",
      "2026-02-29T00:00:00Z", // 2026 is not a leap year
      "2026-04-31T12:00Z",
      "2026-00-10T12:00:00Z",
      "2026-01-00T12:00:00Z",
      "2026-01-10T24:00:00Z",
      "2026-01-10T23:60:00Z",
      "2026-01-10T23:59:60Z",
    ]) {
      assert.equal(parseMimecastTime(bad), undefined, bad);
    }
  });

  it("still reads real edge dates (leap day, month ends, end of day)", () => {
    assert.equal(parseMimecastTime("2024-02-29T23:59:59+0000"), Date.UTC(2024, 1, 29, 23, 59, 59));
    assert.equal(parseMimecastTime("2026-12-31T00:00Z"), Date.UTC(2026, 11, 31));
    assert.equal(parseMimecastTime("2026-04-30T12:00:00-0130"), Date.UTC(2026, 3, 30, 13, 30));
  });

  it("a record stamped 2026-02-30 is dead-lettered with a time reason, not ingested as March 2", () => {
    const mapped = mapRecord(auditFeed, {
      id: "audit-1",
      auditType: "Logon",
      user: "a@example.com",
      eventTime: "2026-02-30T10:00:00+0000",
      eventInfo: "x",
      category: "authentication_logs",
    });
    assert.equal(mapped.kind, "dead-letter");
    assert.match(mapped.kind === "dead-letter" ? mapped.reason : "", /2026-02-30/);
  });
});
