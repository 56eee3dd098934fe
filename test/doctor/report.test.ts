import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatReport, reportJson, runDoctorChecks } from "../../src/doctor";
import type { DoctorReport } from "../../src/doctor";
import { FakeClock } from "../../src/shared/clock";
import { SecretRedactor } from "../../src/shared/logger";
import { NOW } from "../helpers/sim-fixtures";

const SECRET = "client-secret-that-must-not-print-9f2c";

function run(env: Record<string, string | undefined>): Promise<DoctorReport> {
  return runDoctorChecks(env, { clock: new FakeClock(NOW), redactor: new SecretRedactor() });
}

describe("doctor: configuration and the report", () => {
  test("an invalid configuration lists every bad setting by name, checks nothing else, exits 1", async () => {
    const report = await run({
      MIMECAST_CLIENT_SECRET: SECRET,
      MIMECAST_SCHEDULE: "every five minutes",
      MIMECAST_FEEDS: "dlp,not-a-feed",
    });
    assert.equal(report.exitCode, 1);
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.status]),
      [
        ["configuration", "fail"],
        ["setting MIMECAST_CLIENT_ID", "fail"],
        ["setting MIMECAST_SCHEDULE", "fail"],
        ["setting MIMECAST_FEEDS", "fail"],
      ],
    );
    assert.match(report.checks[3]!.detail, /not-a-feed/);
    assert.ok(!reportJson(report).includes(SECRET));
    assert.ok(!formatReport(report).includes(SECRET));
  });

  test("the table aligns status, check and detail, puts the fix under a problem, and ends with the exit code", () => {
    const report: DoctorReport = {
      checkedAt: new Date(NOW).toISOString(),
      exitCode: 1,
      checks: [
        { name: "configuration", status: "ok", detail: "valid" },
        { name: "feed dlp", status: "fail", detail: "HTTP 403", fix: "grant the permission" },
        { name: "feed siem-cg", status: "warn", detail: "no SIEM data: is Enhanced Logging enabled?" },
      ],
    };
    assert.equal(
      formatReport(report),
      [
        "mimecast-sentinel doctor — 2024-11-18T12:07:00.000Z",
        "",
        "STATUS  CHECK          DETAIL",
        "ok      configuration  valid",
        "FAIL    feed dlp       HTTP 403",
        "                       fix: grant the permission",
        "WARN    feed siem-cg   no SIEM data: is Enhanced Logging enabled?",
        "",
        "1 ok, 1 warning(s), 1 failure(s) → exit code 1",
        "",
      ].join("\n"),
    );
    assert.deepEqual(JSON.parse(reportJson(report)), report);
  });

  test("long details wrap under the detail column", () => {
    const report: DoctorReport = {
      checkedAt: new Date(NOW).toISOString(),
      exitCode: 0,
      checks: [{ name: "x", status: "ok", detail: "word ".repeat(30).trim() }],
    };
    const lines = formatReport(report, 60).split("\n").slice(3, -3);
    assert.ok(lines.length > 1);
    for (const line of lines) assert.ok(line.length <= 60, line);
    for (const line of lines.slice(1)) assert.match(line, /^ {15}word/);
  });
});
