import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LocalSink } from "../../src/sentinel/localSink";
import type { SentinelRow } from "../../src/sentinel/streams";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import { AUDIT_STREAM, RULE_ID, TEST_STREAM, makeRows, sinkFor } from "./helpers";

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "local-sink-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readNdjson(file: string): Promise<SentinelRow[]> {
  const text = await readFile(file, "utf8");
  assert.ok(text.endsWith("\n"));
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as SentinelRow);
}

describe("LocalSink", () => {
  it("writes one NDJSON file per table, creating the directory on demand", async () => {
    await withTempDir(async (dir) => {
      const sink = new LocalSink({ directory: join(dir, "nested", "sink") });
      const rows = makeRows(3);
      const audit = [{ TimeGenerated: "2026-01-15T12:00:00Z", EventId: "a1", Action: "login" }];

      assert.equal((await sink.upload(TEST_STREAM, rows)).accepted, 3);
      assert.equal((await sink.upload(AUDIT_STREAM, audit)).accepted, 1);

      assert.deepEqual((await readdir(join(dir, "nested", "sink"))).sort(), [
        "MimecastAuditTest_CL.ndjson",
        "MimecastTest_CL.ndjson",
      ]);
      assert.deepEqual(await readNdjson(sink.fileFor(TEST_STREAM)), rows);
      assert.deepEqual(await readNdjson(sink.fileFor(AUDIT_STREAM)), audit);
    });
  });

  it("writes the same rows the Logs Ingestion API receives, truncation included", async () => {
    await withTempDir(async (dir) => {
      const rows = makeRows(20);
      rows[5]!["Subject"] = "z".repeat(100_000);
      const local = new LocalSink({ directory: dir });
      const fake = createLogsIngestionFake({ streams: [TEST_STREAM], ruleId: RULE_ID });

      await local.upload(TEST_STREAM, rows);
      await sinkFor(fake).sink.upload(TEST_STREAM, rows);

      const written = await readNdjson(local.fileFor(TEST_STREAM));
      assert.deepEqual(written, fake.acceptedRows(TEST_STREAM.streamName));
      assert.equal(written[5]!["TruncatedFields"], "Subject");
    });
  });

  it("rejects rows that do not match the stream, naming field and type, and writes the rest", async () => {
    await withTempDir(async (dir) => {
      const sink = new LocalSink({ directory: dir });
      const rows = makeRows(4);
      rows[1]!["Seq"] = "one";
      rows[2]!["Unknown"] = 1;

      const outcome = await sink.upload(TEST_STREAM, rows);

      assert.equal(outcome.accepted, 2);
      assert.deepEqual(outcome.failedIndexes, [1, 2]);
      assert.ok(outcome.failed.every((f) => f.code === "schema-mismatch" && !f.retryable && f.count === 1));
      assert.match(outcome.failed[0]!.message, /row 1 .*field "Seq" must be long/);
      assert.match(outcome.failed[1]!.message, /row 2 .*field "Unknown" is not declared/);
      assert.deepEqual(
        (await readNdjson(sink.fileFor(TEST_STREAM))).map((row) => row["Seq"]),
        [0, 3],
      );
    });
  });

  it("appends across uploads, and concurrent uploads never interleave lines", async () => {
    await withTempDir(async (dir) => {
      const sink = new LocalSink({ directory: dir });
      const batches = Array.from({ length: 8 }, (_, b) =>
        makeRows(200, 300).map((row) => ({ ...row, EventId: `batch-${b}` })),
      );

      await Promise.all(batches.map((rows) => sink.upload(TEST_STREAM, rows)));
      await sink.close();

      const written = await readNdjson(sink.fileFor(TEST_STREAM));
      assert.equal(written.length, 1600);
      for (let start = 0; start < written.length; start += 200) {
        const ids = new Set(written.slice(start, start + 200).map((row) => row["EventId"]));
        assert.equal(ids.size, 1, "each upload's lines stay together");
      }
    });
  });

  it("ends a torn last line left by a killed process before appending, so no new row is glued to it", async () => {
    await withTempDir(async (dir) => {
      const first = new LocalSink({ directory: dir });
      const rows = makeRows(3);
      await first.upload(TEST_STREAM, rows.slice(0, 1));
      const file = first.fileFor(TEST_STREAM);
      // What kill -9 between two write calls of one append leaves behind.
      await writeFile(file, `${await readFile(file, "utf8")}{"TimeGenerated":"2026-01-15T12:`, { flag: "w" });

      const restarted = new LocalSink({ directory: dir });
      await restarted.upload(TEST_STREAM, rows.slice(1, 2));
      await restarted.upload(TEST_STREAM, rows.slice(2, 3));

      const lines = (await readFile(file, "utf8")).split("\n");
      assert.deepEqual(lines, [
        JSON.stringify(rows[0]),
        '{"TimeGenerated":"2026-01-15T12:',
        JSON.stringify(rows[1]),
        JSON.stringify(rows[2]),
        "",
      ]);
    });
  });

  it("writes nothing after an abort and reports the rows as not sent", async () => {
    await withTempDir(async (dir) => {
      const sink = new LocalSink({ directory: dir });
      const controller = new AbortController();
      controller.abort();

      const outcome = await sink.upload(TEST_STREAM, makeRows(3), { signal: controller.signal });

      assert.deepEqual(outcome.failedIndexes, [0, 1, 2]);
      assert.equal(outcome.failed[0]!.code, "not-sent");
      assert.deepEqual(await readdir(dir), []);
    });
  });

  it("reports a failed write as retryable for every row it held", async () => {
    await withTempDir(async (dir) => {
      // A file where the directory should be: mkdir fails.
      const blocked = join(dir, "blocked");
      await writeFile(blocked, "");
      const sink = new LocalSink({ directory: blocked });

      const outcome = await sink.upload(TEST_STREAM, makeRows(3));

      assert.deepEqual(outcome.failedIndexes, [0, 1, 2]);
      assert.equal(outcome.failed[0]!.code, "write-failed");
      assert.equal(outcome.failed[0]!.retryable, true);
    });
  });
});
