import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatDay, formatMimecastTime, isoTime, parseMimecastTime } from "../../src/feeds/time";

describe("Mimecast time parsing", () => {
  it("reads SIEM epoch milliseconds, as numbers and numeric strings", () => {
    assert.equal(parseMimecastTime(1731437527130), 1731437527130);
    assert.equal(parseMimecastTime("1731437527130"), 1731437527130);
  });

  it("rejects epoch seconds instead of guessing the unit", () => {
    assert.equal(parseMimecastTime(1731437527), undefined);
  });

  it("reads +0000 offsets without a colon, as the JSON endpoints send them", () => {
    assert.equal(parseMimecastTime("2024-10-17T02:06:50+0000"), Date.UTC(2024, 9, 17, 2, 6, 50));
    assert.equal(parseMimecastTime("2017-05-26T16:47:41+0100"), Date.UTC(2017, 4, 26, 15, 47, 41));
  });

  it("reads RFC 3339 with Z and fractions, and STIX minute precision", () => {
    assert.equal(parseMimecastTime("2025-12-24T11:23:41.955Z"), Date.UTC(2025, 11, 24, 11, 23, 41, 955));
    assert.equal(parseMimecastTime("2024-11-18T16:08Z"), Date.UTC(2024, 10, 18, 16, 8));
  });

  it("returns undefined for anything unreadable", () => {
    for (const bad of ["", "yesterday", "2024-13-45T99:00:00Z", null, {}, true, Number.NaN]) {
      assert.equal(parseMimecastTime(bad), undefined, JSON.stringify(bad));
    }
  });

  it("formats request times as Mimecast documents them", () => {
    assert.equal(formatMimecastTime(Date.UTC(2024, 9, 17, 2, 6, 50, 999)), "2024-10-17T02:06:50+0000");
    assert.equal(formatDay(Date.UTC(2026, 0, 5, 23, 59)), "2026-01-05");
  });

  it("writes the same ISO time as toISOString, across second, day and year boundaries", () => {
    const edges = [
      0,
      999,
      1000,
      -1,
      -1000,
      -1001,
      0.5,
      1731437527130.25,
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2025, 0, 1),
      Date.UTC(2025, 0, 1, 0, 0, 0, 1),
      253402300799999,
      253402300800000,
      -62198755200000,
      8.64e15,
    ];
    for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    // Runs inside one second (the cache), then jumps, in any order: seeded.
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -9e12, max: 9e12 }),
            fc.integer({ min: 1731437527000, max: 1731437529999 }),
            fc.double({ min: -1e13, max: 1e13, noNaN: true }),
          ),
          { maxLength: 50 },
        ),
        (times) => {
          for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString());
        },
      ),
      { seed: 14, numRuns: 300 },
    );
  });

  it("throws for an impossible time as toISOString does, and the next time is still right", () => {
    isoTime(1731437527130);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) {
      assert.throws(() => isoTime(bad), RangeError);
    }
    assert.equal(isoTime(1731437527131), "2024-11-12T18:52:07.131Z");
  });
});
