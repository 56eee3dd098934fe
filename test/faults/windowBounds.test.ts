// Local-time getters must not leak into what is sent to Mimecast: run in UTC+05:30.
process.env["TZ"] = "Asia/Kolkata";

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { formatDay } from "../../src/feeds/time";

/** `2024-11-17T23:59:59+0000` (the documented filter format), read without the connector's code. */
function readFilterTime(text: unknown): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\+0000$/.exec(String(text));
  assert.ok(m, `filter time ${String(text)} is in Mimecast's format`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

describe("JSON window filters (TZ=Asia/Kolkata)", () => {
  // Second-aligned bounds across a UTC midnight (where a local-time slip shows).
  const window = { from: Date.UTC(2024, 10, 17, 23, 59, 59), to: Date.UTC(2024, 10, 18, 0, 14, 59) };

  for (const feed of FEEDS) {
    if (feed.source !== "json") continue;
    it(`${feed.id}: asks for exactly [from, to) of its window`, () => {
      const filter = feed.filter(window);
      const bounds = Object.values(filter).filter((v) => typeof v === "string" && /^\d{4}-/.test(v));
      assert.deepEqual(bounds.map(readFilterTime), [window.from, window.to]);
    });
  }

  it("the SIEM day is the UTC day", () => {
    assert.equal(formatDay(Date.UTC(2024, 10, 17, 20, 0, 0)), "2024-11-17");
    assert.equal(formatDay(Date.UTC(2024, 10, 18, 0, 0, 0)), "2024-11-18");
  });
});
