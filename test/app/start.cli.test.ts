import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { readTables } from "../localhost/helpers";

const run = promisify(execFile);
const START = path.resolve(__dirname, "../../scripts/start.js");

describe("npm start (the CLI around the local host)", () => {
  it("--once on the embedded default: says it uses the simulator, ingests, prints a summary, exits 0; a second run resumes", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ms-cli-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, MIMECAST_FEEDS: "dlp,siem-ci,awareness-watchlist" };
      delete env["MIMECAST_CLIENT_ID"];
      const args = [
        START,
        "--once",
        "--data-dir",
        dataDir,
        "--sim-time",
        "2024-11-18T12:07:00Z",
        "--no-progress",
      ];
      const first = await run(process.execPath, args, { env, timeout: 120_000 });
      assert.match(first.stdout, /embedded default/);
      assert.match(first.stdout, /Mimecast API simulator/);
      assert.match(first.stdout, /cycle 0 summary \(local sink\)/);
      assert.match(first.stdout, /siem-ci~urlclick/);
      const tables = readTables(path.join(dataDir, "tables"));
      assert.ok((tables.get("Seg_Dlp_CL") ?? []).length > 0);
      assert.ok((tables.get("Cloud_Integrated_CL") ?? []).length > 0);
      assert.ok(existsSync(path.join(dataDir, "durable.sqlite")), "the engine's store");

      const second = await run(process.execPath, args, { env, timeout: 120_000 });
      assert.match(second.stdout, /cycle 0 summary/);
      const again = readTables(path.join(dataDir, "tables"));
      const ids = (again.get("Seg_Dlp_CL") ?? []).map((r) => String(r["EventId"]));
      assert.equal(
        new Set(ids).size,
        ids.length,
        "the second run starts from the checkpoints: nothing twice",
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
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
