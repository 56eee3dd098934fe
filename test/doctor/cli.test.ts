import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, test } from "node:test";
import type { DoctorReport } from "../../src/doctor";

const START = path.resolve(__dirname, "../../scripts/start.js");

/** Runs `start.js doctor …` with only PATH in the environment: no MIMECAST_* from the developer's shell. */
function doctor(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [START, "doctor", ...args],
      { env: { PATH: process.env["PATH"] ?? "" }, timeout: 60_000 },
      (error, stdout) => {
        if (error && typeof error.code !== "number") return reject(new Error(error.message));
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout });
      },
    );
  });
}

describe("npm start -- doctor", () => {
  test("--simulator --json: every check ok, exit 0", async () => {
    const { code, stdout } = await doctor(["--simulator", "--json"]);
    const report = JSON.parse(stdout) as DoctorReport;
    assert.equal(code, 0, stdout);
    assert.ok(report.checks.length > 3);
    assert.ok(report.checks.every((c) => c.status === "ok"));
  });

  test("--sim-deny dlp: the table shows the dlp feed failing with its permission, exit 1", async () => {
    const { code, stdout } = await doctor(["--simulator", "--sim-deny", "dlp"]);
    assert.equal(code, 1, stdout);
    assert.match(
      stdout,
      /^FAIL +feed dlp +HTTP 403 on \/api\/dlp\/get-logs: the API application's role lacks/m,
    );
    assert.match(
      stdout,
      /Monitoring → Data\s+Leak Prevention → Read|Monitoring → Data Leak Prevention → Read/,
    );
    assert.match(stdout, /→ exit code 1$/m);
  });

  test("no settings at all: the configuration fails naming the missing settings, exit 1", async () => {
    const { code, stdout } = await doctor([]);
    assert.equal(code, 1);
    assert.match(stdout, /FAIL +setting MIMECAST_CLIENT_ID/);
    assert.match(stdout, /doctor --simulator/);
  });
});
