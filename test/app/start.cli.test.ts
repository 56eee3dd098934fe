import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { readTables } from "../localhost/helpers";

const run = promisify(execFile);
const START = path.resolve(__dirname, "../../scripts/start.js");
const SIM_TIME = "2024-11-18T12:07:00Z";
const FEEDS = "dlp,siem-ci,awareness-watchlist";
/** Tables the connector writes about itself, not Mimecast records. */
const OWN_TABLES = new Set(["MimecastConnectorHealth_CL", "MimecastDeadLetter_CL", "MimecastSnapshots_CL"]);

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MIMECAST_FEEDS: FEEDS, ...extra };
  for (const name of ["MIMECAST_CLIENT_ID", "MIMECAST_APP_ID", "MIMECAST_BASE_URL"]) delete env[name];
  return env;
}

const CYCLE_LINE =
  /^cycle (\d+) done · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ · (\d+)\/(\d+) units · (\d+) events · (\d+) dead-lettered · (\d+) error\(s\)/gm;

function cycleLines(stdout: string): { cycle: number; done: number; planned: number; events: number }[] {
  // Terminal output carries colour and cursor codes; strip them before matching lines.
  // eslint-disable-next-line no-control-regex
  const plain = stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "\n");
  return [...plain.matchAll(CYCLE_LINE)].map((m) => ({
    cycle: Number(m[1]),
    done: Number(m[2]),
    planned: Number(m[3]),
    events: Number(m[4]),
  }));
}

function dataRows(dataDir: string): number {
  let rows = 0;
  for (const [table, list] of readTables(path.join(dataDir, "tables")))
    if (!OWN_TABLES.has(table)) rows += list.length;
  return rows;
}

/** The exit table: a header, then one row per cursor with a known status, no "undefined". */
function assertExitTable(stdout: string, cursors: number): void {
  const lines = stdout.split("\n");
  const header = lines.findIndex((l) => /^cursor\s+status\s+lag\s+behind\s+events/.test(l));
  assert.ok(header >= 0, `no exit table in:\n${stdout}`);
  const rows = lines.slice(header + 1, header + 1 + cursors);
  assert.equal(rows.length, cursors);
  for (const row of rows) assert.match(row, /^\S+\s+(ok|behind|rate-limited|failing|idle)\s/);
  assert.doesNotMatch(stdout, /undefined|\(index\)/);
  const widest = Math.max(...lines.slice(header, header + 1 + cursors).map((l) => l.length));
  assert.ok(widest <= 100, `the exit table stays narrow (${widest} characters)`);
}

/** The per-run control token npm start prints. */
function tokenOf(stdout: string): string {
  const token = /control token \(header x-functions-key[^)]*\): (\S+)/.exec(stdout)?.[1];
  assert.ok(token, `no control token in:\n${stdout}`);
  return token;
}

/** Runs npm start until `until` matches its output, then calls `then`; resolves with everything printed. */
function drive(
  args: string[],
  env: NodeJS.ProcessEnv,
  steps: { until: RegExp; then: (out: string, child: ReturnType<typeof spawn>) => Promise<void> | void }[],
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [START, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let step = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out at step ${step}:\n${stdout}`));
    }, 150_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const next = steps[step];
      if (next && next.until.test(stdout)) {
        step += 1;
        Promise.resolve(next.then(stdout, child)).catch(reject);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ stdout, code });
    });
  });
}

describe("npm start (the CLI around the local host)", () => {
  it("without a terminal: one line per cycle (units done/planned, events, dead-letters, errors), the exit table; a second run resumes and goes on counting cycles", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ms-cli-"));
    try {
      const args = [START, "--cycles", "2", "--data-dir", dataDir, "--sim-time", SIM_TIME];
      const first = await run(process.execPath, args, { env: cliEnv(), timeout: 120_000 });
      assert.match(first.stdout, /embedded default/);
      assert.match(first.stdout, /Mimecast API simulator/);
      assert.match(first.stdout, /First run: backfills 2 day\(s\)/);
      assert.match(first.stdout, /published every 15 minutes/);
      const lines = cycleLines(first.stdout);
      assert.deepEqual(
        lines.map((l) => l.cycle),
        [0, 1],
      );
      for (const l of lines) assert.equal(l.done, l.planned, "every planned unit ran");
      // Oracle: the rows the sink holds, counted independently of the CLI's tallies.
      const rows = dataRows(dataDir);
      assert.ok(rows > 0);
      assert.equal(
        lines.reduce((n, l) => n + l.events, 0),
        rows,
      );
      assert.match(first.stdout, /2 cycle\(s\) finished in this run \(last: cycle 1\)/);
      assertExitTable(first.stdout, 5);
      // Issue 13: once batch has caught up, the event stream owns the live edge of each SIEM type — the
      // lines under the table and the last cycle's health rows say so, with the reason and since when.
      const owners = first.stdout.split("\n").filter((l) => /^ {2}siem-ci~\S+\s/.test(l));
      assert.equal(owners.length, 3, `one owner line per siem-ci type in:\n${first.stdout}`);
      for (const l of owners) assert.match(l, /^ {2}siem-ci~\S+\s+stream \(auto\): .* \(since \S+Z\)$/);
      const health = readTables(path.join(dataDir, "tables")).get("MimecastConnectorHealth_CL") ?? [];
      const lastSiem = health.filter((r) => r["Cycle"] === 1 && r["Feed"] === "siem-ci");
      assert.equal(lastSiem.length, 3);
      for (const r of lastSiem) {
        assert.equal(r["SiemPath"], "stream", String(r["Cursor"]));
        assert.match(String(r["SiemPathReason"]), /^stream \(auto\)/);
        assert.ok(!Number.isNaN(Date.parse(String(r["SiemPathSince"]))));
      }
      assert.ok(existsSync(path.join(dataDir, "durable.sqlite")), "the engine's store");

      const second = await run(process.execPath, [...args.slice(0, 2), "1", ...args.slice(3)], {
        env: cliEnv(),
        timeout: 120_000,
      });
      assert.doesNotMatch(second.stdout, /First run/);
      assert.match(second.stdout, /resuming from its checkpoints/);
      assert.deepEqual(
        cycleLines(second.stdout).map((l) => l.cycle),
        [2],
        "cycle numbers go on across runs, so (InstanceId, Cycle) never repeats",
      );
      const ids = (readTables(path.join(dataDir, "tables")).get("Seg_Dlp_CL") ?? []).map((r) =>
        String(r["EventId"]),
      );
      assert.equal(
        new Set(ids).size,
        ids.length,
        "the second run starts from the checkpoints: nothing twice",
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("under a pseudo-terminal: progress bars and the same per-cycle lines and exit table", async (t) => {
    if (!existsSync("/usr/bin/script")) {
      t.skip("util-linux `script` is not installed (apt-get install -y util-linux)");
      return;
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), "ms-cli-tty-"));
    try {
      const command = [
        process.execPath,
        START,
        "--cycles",
        "2",
        "--data-dir",
        dataDir,
        "--sim-time",
        SIM_TIME,
      ]
        .map((a) => `'${a}'`)
        .join(" ");
      const { stdout } = await run("/usr/bin/script", ["-qefc", command, "/dev/null"], {
        env: { ...cliEnv(), TERM: "xterm", COLUMNS: "120" },
        timeout: 120_000,
      });
      assert.match(stdout, /\|\S*\| \d+\/\d+ units \| \d+ events/, "a bar per feed");
      assert.deepEqual(
        cycleLines(stdout).map((l) => l.cycle),
        [0, 1],
      );
      // eslint-disable-next-line no-control-regex
      assertExitTable(stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, ""), 5);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("terminate stops the supervisor but not npm start; POST /api/ingestion/start resumes it; Ctrl-C ends with the exit table", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ms-cli-term-"));
    let url = "";
    let token = "";
    try {
      const { stdout, code } = await drive(
        ["--data-dir", dataDir, "--sim-time", SIM_TIME, "--no-progress"],
        cliEnv({ MIMECAST_FEEDS: "dlp" }),
        [
          {
            until: /cycle 0 done/,
            then: async (out) => {
              url = /status API: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
              token = tokenOf(out);
              const res = await fetch(`${url}/api/ingestion/terminate`, {
                method: "POST",
                headers: { "x-functions-key": token, "content-type": "application/json" },
                body: JSON.stringify({ reason: "test stop" }),
              });
              assert.equal(res.status, 202);
            },
          },
          {
            until: /the supervisor was terminated[^\n]*\n[^\n]*Ctrl-C exits/,
            then: async () => {
              const res = await fetch(`${url}/api/ingestion/start`, {
                method: "POST",
                headers: { "x-functions-key": token },
              });
              assert.equal(res.status, 202, "the control API is still reachable");
            },
          },
          {
            until: /started again[\s\S]*cycle \d+ done/,
            then: (_out, child) => void child.kill("SIGINT"),
          },
        ],
      );
      assert.equal(code, 0, stdout);
      assert.match(stdout, /\d+ cycle\(s\) finished in this run/);
      assertExitTable(stdout, 1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("reads the Values of ./local.settings.json and names each setting; MIMECAST_BASE_URL alone stays on the simulator and says why", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ms-cli-settings-"));
    try {
      writeFileSync(
        path.join(dir, "local.settings.json"),
        JSON.stringify({
          IsEncrypted: false,
          Values: {
            MIMECAST_FEEDS: "dlp",
            MIMECAST_CLIENT_ID: "<your API 2.0 client id>",
            MIMECAST_BASE_URL: "https://api.services.mimecast.com",
            MIMECAST_START_DATE: "",
          },
        }),
      );
      const { stdout } = await run(
        process.execPath,
        [START, "--once", "--data-dir", path.join(dir, "data"), "--sim-time", SIM_TIME],
        { env: cliEnv({ MIMECAST_FEEDS: "" }), cwd: dir, timeout: 120_000 },
      );
      assert.match(stdout, /read 3 MIMECAST_\* setting\(s\) from .*local\.settings\.json/);
      assert.match(stdout, /MIMECAST_CLIENT_ID is still the example's placeholder/);
      assert.match(stdout, /MIMECAST_BASE_URL is set but there is no MIMECAST_CLIENT_ID/);
      assert.match(stdout, /MIMECAST_FEEDS=dlp/);
      assertExitTable(stdout, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad configuration stops start-up with a message naming the setting (exit 2)", async () => {
    const env = {
      ...process.env,
      MIMECAST_CLIENT_ID: "id-1",
      MIMECAST_CLIENT_SECRET: "s",
      MIMECAST_SCHEDULE: "* * *",
    };
    await assert.rejects(
      run(
        process.execPath,
        [START, "--once", "--data-dir", mkdtempSync(path.join(tmpdir(), "ms-cli-bad-"))],
        { env, timeout: 60_000 },
      ),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr, /MIMECAST_SCHEDULE/);
        return true;
      },
    );
  });
});
