/**
 * Time formatting and parsing do not depend on the process time zone: the same calls run in a child
 * node with TZ=Asia/Kolkata (UTC+05:30, so a local-time getter shifts every answer) must give exactly the
 * UTC answers written here by hand.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";

const dist = path.join(__dirname, "..", "..", "src");
const script = `
const time = require(${JSON.stringify(path.join(dist, "feeds", "time.js"))});
const hmac = require(${JSON.stringify(path.join(dist, "mimecast", "hmac.js"))});
const at = Date.UTC(2026, 0, 31, 20, 45, 7); // 02:15 on Feb 1 in Kolkata
process.stdout.write(JSON.stringify({
  offset: new Date(at).getTimezoneOffset(),
  localHour: new Date(at).getHours(),
  format: time.formatMimecastTime(at),
  day: time.formatDay(at),
  startOfDay: time.startOfUtcDay(at),
  parsedNoZone: time.parseMimecastTime("2026-01-31T20:45:07"),
  parsedOffset: time.parseMimecastTime("2026-02-01T02:15:07+0530"),
  mcDate: hmac.formatMcDate(at),
  v1Date: hmac.v1AuthHeaders({ kind: "hmac", appId: "a", appKey: "k", accessKey: "ak", secretKey: "c2VjcmV0" }, "/api/x", at, "r")["x-mc-date"],
}));
`;

describe("under a non-UTC process time zone", () => {
  it("formats and parses Mimecast times in UTC (TZ=Asia/Kolkata in a child process)", () => {
    const child = spawnSync(process.execPath, ["-e", script], {
      env: { ...process.env, TZ: "Asia/Kolkata" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const got = JSON.parse(child.stdout) as Record<string, unknown>;
    // The zone really applied (otherwise this test could not fail).
    assert.equal(got["offset"], -330);
    assert.equal(got["localHour"], 2);
    const at = Date.UTC(2026, 0, 31, 20, 45, 7);
    assert.deepEqual(
      { ...got, offset: undefined, localHour: undefined },
      {
        offset: undefined,
        localHour: undefined,
        format: "2026-01-31T20:45:07+0000",
        day: "2026-01-31",
        startOfDay: Date.UTC(2026, 0, 31),
        parsedNoZone: at,
        parsedOffset: at,
        mcDate: "Sat, 31 Jan 2026 20:45:07 UTC",
        v1Date: "Sat, 31 Jan 2026 20:45:07 UTC",
      },
    );
  });
});
