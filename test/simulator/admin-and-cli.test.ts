import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { getToken, jsonOf, postJson, request, bearer } from "../helpers/sim-http";
import { DAY, NOW, withSimulator } from "../helpers/sim-fixtures";

describe("simulator /__sim endpoints", () => {
  it("reports health", async () => {
    await withSimulator({}, async (sim) => {
      const result = await request(`${sim.url}/__sim/health`);
      assert.equal(result.status, 200);
      assert.deepEqual(jsonOf(result), {
        status: "ok",
        now: NOW,
        url: sim.url,
        fileBaseUrl: sim.fileBaseUrl,
      });
    });
  });

  it("streams the ground truth as NDJSON, identical to the programmatic API", async () => {
    await withSimulator({}, async (sim) => {
      const query = new URLSearchParams({
        feed: "siem-cg",
        type: "av",
        from: String(NOW - DAY),
        to: "2024-11-18T12:07:00Z",
      });
      const result = await request(`${sim.url}/__sim/ground-truth?${query.toString()}`);
      assert.equal(result.status, 200);
      assert.equal(result.headers["content-type"], "application/x-ndjson");
      const lines = result.body
        .toString("utf8")
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown);
      assert.deepEqual(lines, [...sim.groundTruth("siem-cg", { from: NOW - DAY, to: NOW, type: "av" })]);
      assert.equal((await request(`${sim.url}/__sim/ground-truth?feed=nope&from=1&to=2`)).status, 400);
    });
  });

  it("moves the clock and injects faults over HTTP", async () => {
    await withSimulator({}, async (sim) => {
      const moved = await postJson(sim, "/__sim/clock", { advanceMs: 60_000 }, {});
      assert.equal(jsonOf(moved).now, NOW + 60_000);
      const injected = await postJson(
        sim,
        "/__sim/faults",
        { kind: "http-status", status: 502, match: { pathPattern: "^/api/dlp/" } },
        {},
      );
      assert.equal(injected.status, 200);
      assert.equal((await postJson(sim, "/api/dlp/get-logs", {}, bearer(await getToken(sim)))).status, 502);
      const log = jsonOf<unknown[]>(await request(`${sim.url}/__sim/requests`));
      assert.ok(log.length >= 4);
    });
  });
});

describe("simulator CLI", () => {
  const cli = path.join(__dirname, "../../simulator/cli.js");

  it("prints its URLs and test credentials, serves requests and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [cli, "--port", "0", "--seed", "7", "--events", "100"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`CLI did not start: ${text}`)), 10_000);
        child.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("Press Ctrl+C")) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        child.on("exit", (code) => reject(new Error(`CLI exited early (${code}): ${text}`)));
      });
      const url = /API base URL:\s+(\S+)/.exec(output)?.[1];
      assert.ok(url);
      assert.match(output, /File host URL:\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(output, /client_id=sim-client-id-0001/);
      assert.equal((await request(`${url}/__sim/health`)).status, 200);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("refuses to listen on anything but loopback", async () => {
    const child = spawn(process.execPath, [cli, "--host", "0.0.0.0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(stderr, /127\.0\.0\.1 or localhost/);
  });
});
