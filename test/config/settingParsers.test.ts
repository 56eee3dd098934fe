import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { FEED_IDS, hostMatchesAllowlist } from "../../src/config";
import { parseFeedList, parseTableNames } from "../../src/config/feedLists";
import { parseHostAllowlist } from "../../src/config/fileHosts";
import { parseRateLimitBudgets } from "../../src/config/rateLimitBudgets";
import { parseStartDate } from "../../src/config/startDate";
import type { ParseResult } from "../../src/config/parse";

function value<T>(result: ParseResult<T>): T {
  assert.ok(result.ok, result.ok ? "" : result.problem);
  return result.value;
}
function problem<T>(result: ParseResult<T>): string {
  assert.ok(!result.ok, "expected a parse failure");
  return result.problem;
}

describe("MIMECAST_FEEDS", () => {
  test("all means every feed", () => assert.deepEqual(value(parseFeedList("ALL")), FEED_IDS));
  test("a list keeps order, ignores case, spaces and repeats", () => {
    assert.deepEqual(value(parseFeedList("siem-cg, Audit ,siem-cg")), ["siem-cg", "audit"]);
  });
  test("names every unknown id", () => {
    assert.equal(problem(parseFeedList("siem-cg,foo,bar")), 'unknown feed id(s) "foo", "bar"');
  });
  test("rejects an empty entry", () => assert.match(problem(parseFeedList("dlp,,audit")), /empty entry/));
  test("rejects all mixed with ids", () =>
    assert.match(problem(parseFeedList("all,dlp")), /unknown feed id\(s\) "all"/));
});

describe("MIMECAST_RATE_LIMIT_BUDGETS", () => {
  test("parses family=requests/window pairs into a typed map", () => {
    assert.deepEqual(value(parseRateLimitBudgets("siem-batch-cg=50/900000, default = 20/60000")), {
      "siem-batch-cg": { requests: 50, windowMs: 900_000 },
      default: { requests: 20, windowMs: 60_000 },
    });
  });
  const bad: Array<[string, RegExp]> = [
    ["siem-batch-cg", /not key=value/],
    ["siem-batch-cg=50", /not <requests>\/<window ms>/],
    ["siem-batch-cg=0/1000", /above 0/],
    ["siem-batch-cg=5/1000,siem-batch-cg=6/1000", /appears twice/],
    ["Siem_Batch=5/1000", /not an endpoint family/],
  ];
  for (const [text, expected] of bad) {
    test(`rejects ${JSON.stringify(text)}`, () =>
      assert.match(problem(parseRateLimitBudgets(text)), expected));
  }
});

describe("MIMECAST_TABLE_NAMES", () => {
  test("maps feeds to custom tables", () => {
    assert.deepEqual(value(parseTableNames("audit=MimecastAudit_CL, DLP=Dlp_CL")), {
      audit: "MimecastAudit_CL",
      dlp: "Dlp_CL",
    });
  });
  test("rejects unknown feeds", () =>
    assert.match(problem(parseTableNames("nope=X_CL")), /"nope" is not a feed id/));
  test("rejects tables without _CL or starting with a digit", () => {
    assert.match(problem(parseTableNames("audit=Audit")), /ending in _CL/);
    assert.match(problem(parseTableNames("audit=1Audit_CL")), /ending in _CL/);
  });
  test("rejects names longer than Log Analytics allows", () => {
    assert.ok(value(parseTableNames(`audit=A${"b".repeat(44)}_CL`)));
    problem(parseTableNames(`audit=A${"b".repeat(45)}_CL`));
  });
});

describe("MIMECAST_FILE_HOST_ALLOWLIST", () => {
  test("accepts exact hosts and dotted suffixes", () => {
    assert.deepEqual(value(parseHostAllowlist(".amazonaws.com, Files.Example.net,127.0.0.1")), [
      ".amazonaws.com",
      "files.example.net",
      "127.0.0.1",
    ]);
  });
  test("refuses single-label suffixes and wildcards", () => {
    assert.match(problem(parseHostAllowlist(".com")), /two labels/);
    problem(parseHostAllowlist("*.amazonaws.com"));
  });
  test("matches hosts by suffix or exactly", () => {
    const allow = [".amazonaws.com", "files.example.net"];
    assert.ok(hostMatchesAllowlist("bucket.s3.eu-west-1.amazonaws.com", allow));
    assert.ok(hostMatchesAllowlist("FILES.example.net", allow));
    assert.ok(!hostMatchesAllowlist("amazonaws.com.evil.example", allow));
    assert.ok(!hostMatchesAllowlist("evilamazonaws.com", allow));
    assert.ok(!hostMatchesAllowlist("sub.files.example.net", allow));
  });
});

describe("MIMECAST_START_DATE", () => {
  test("reads a date as midnight UTC", () =>
    assert.equal(value(parseStartDate("2025-01-31")), Date.UTC(2025, 0, 31)));
  test("reads date-times with Z, offsets and fractions", () => {
    assert.equal(value(parseStartDate("2025-01-31T08:00:00Z")), Date.parse("2025-01-31T08:00:00Z"));
    assert.equal(value(parseStartDate("2025-01-31T08:00-0530")), Date.parse("2025-01-31T13:30:00Z"));
    assert.equal(
      value(parseStartDate("2025-01-31T08:00:00.250+02:00")),
      Date.parse("2025-01-31T06:00:00.250Z"),
    );
  });
  test("requires a time zone on date-times", () => {
    assert.match(problem(parseStartDate("2025-01-31T08:00:00")), /with a time zone/);
  });
  test("rejects impossible dates and times", () => {
    problem(parseStartDate("2024-13-01"));
    problem(parseStartDate("2023-02-29"));
    assert.equal(value(parseStartDate("2024-02-29")), Date.UTC(2024, 1, 29));
    assert.match(problem(parseStartDate("2025-01-31T24:00:00Z")), /time is out of range/);
  });
});
