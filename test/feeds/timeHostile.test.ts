/** Event times that do not exist are unreadable (dead-lettered with the reason), never rolled over. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
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

  it("reads every time exactly as the reader before the month-length cache did (seeded)", () => {
    // The reader as it was (split, a Date per call): the oracle for the faster calendar check.
    const reference = (text: string): number | undefined => {
      const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/.exec(
        text,
      );
      if (!m) return undefined;
      const [, date = "", hh = "", mm = "", ss = "00", frac = "", zone = ""] = m;
      const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
      if (mo < 1 || mo > 12 || d < 1 || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59)
        return undefined;
      if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
      const z =
        zone === "" || zone === "Z" || zone === "z"
          ? "Z"
          : zone.length === 5
            ? `${zone.slice(0, 3)}:${zone.slice(3)}`
            : zone;
      const ms = Date.parse(`${date}T${hh}:${mm}:${ss}${frac.slice(0, 4)}${z}`);
      return Number.isFinite(ms) ? ms : undefined;
    };
    const two = (n: number): string => String(n).padStart(2, "0");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom("", ":00", ":59", ":60", ".5", ":07.123456"),
        fc.constantFrom("", "Z", "z", "+0000", "-05:30", "+14:00", "+2400"),
        (y, mo, d, h, mi, rest, zone) => {
          const text = `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}${rest}${zone}`;
          assert.equal(parseMimecastTime(text), reference(text), text);
        },
      ),
      { seed: 1404, numRuns: 5000 },
    );
  });
});
