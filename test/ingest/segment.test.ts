/**
 * uploadSegment: the ordered, prefix-exact upload every ingestion unit is built on, against the Logs
 * Ingestion fake (real sink and SDK pipeline) and the local NDJSON sink.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ColumnSpec } from "../../src/feeds/types";
import type { SegmentItem, SegmentProgress } from "../../src/ingest/segment";
import { REQUEST_BUDGET_BYTES, uploadSegment } from "../../src/ingest/segment";
import { DEAD_LETTER_STREAM } from "../../src/ingest/streams";
import { LocalSink } from "../../src/sentinel/localSink";
import type { Sink } from "../../src/sentinel/sink";
import type { SentinelRow } from "../../src/sentinel/streams";
import type { FakeRequest, LogsIngestionFake } from "../fakes/logsIngestionFake";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import { RULE_ID, T0, TEST_STREAM, makeRows, sinkFor } from "../sentinel/helpers";
import { assertExactly, eventIds } from "./unitHarness";

const START: SegmentProgress = { safeThrough: 1, deadLetteredThrough: 1 };

/** Lines 1..n: rows, except the `bad` line numbers, which are unparseable. */
function itemsOf(rows: readonly SentinelRow[], bad: readonly number[] = []): SegmentItem[] {
  return rows.map((row, i) => {
    const position = i + 1;
    const sourcePosition = `test file line ${position}`;
    return bad.includes(position)
      ? {
          position,
          sourcePosition,
          mapped: { kind: "bad-line", reason: "invalid JSON: oops", raw: `{oops ${position}` },
        }
      : {
          position,
          sourcePosition,
          mapped: { kind: "row", row, eventTime: T0, eventId: String(row["EventId"]) },
          raw: { seq: row["Seq"] },
        };
  });
}

function world(): { fake: LogsIngestionFake; sink: Sink } {
  const fake = createLogsIngestionFake({ streams: [TEST_STREAM, DEAD_LETTER_STREAM], ruleId: RULE_ID });
  return { fake, sink: sinkFor(fake).sink };
}

const upload = (sink: Sink, items: readonly SegmentItem[], progress = START, budget?: number) =>
  uploadSegment({
    sink,
    stream: TEST_STREAM,
    feedId: "test",
    items,
    progress,
    now: T0,
    ...(budget !== undefined ? { requestBudgetBytes: budget } : {}),
  });

function fromNthRequest(stream: string, n: number): (request: FakeRequest) => boolean {
  let seen = 0;
  return (request) => request.stream === stream && ++seen >= n;
}

const rowIds = (fake: LogsIngestionFake): string[] => eventIds(fake.acceptedRows(TEST_STREAM.streamName));
const expectedIds = (items: readonly SegmentItem[]): string[] =>
  items.flatMap((i) => (i.mapped.kind === "row" ? [i.mapped.eventId] : []));

/** 20 rows, the eighth of which does not match TEST_STREAM (`Size` is not an int). */
function badSizeRows(): SentinelRow[] {
  const rows = makeRows(20);
  rows[7] = { ...rows[7]!, Size: "big" };
  return rows;
}

/**
 * Uploads `items` (badSizeRows) to a local sink and checks every row but the eighth was written once
 * and the eighth dead-lettered; the sink is returned for more checks (its directory is removed after).
 */
async function localSinkRun(items: readonly SegmentItem[]): Promise<LocalSink> {
  const directory = await mkdtemp(join(tmpdir(), "segment-"));
  after(() => rm(directory, { recursive: true, force: true }));
  const sink = new LocalSink({ directory });
  const result = await upload(sink, items);
  assert.equal(result.failure, undefined);
  assert.deepEqual([result.counts.ingested, result.counts.deadLettered, result.counts.ambiguous], [19, 1, 0]);
  const lines = (await readFile(sink.fileFor(TEST_STREAM), "utf8")).trim().split("\n");
  assertExactly(
    lines.map((l) => String((JSON.parse(l) as SentinelRow)["EventId"])),
    expectedIds(items).filter((id) => id !== "evt-7"),
  );
  return sink;
}

describe("uploadSegment", () => {
  it("stores dead-letters before rows, in sequential requests of at most 900 KB, and covers the whole segment", async () => {
    const { fake, sink } = world();
    const items = itemsOf(makeRows(3000, 600), [5, 1500, 2999]);
    const result = await upload(sink, items);
    assert.equal(result.failure, undefined);
    assert.deepEqual(result.progress, { safeThrough: 3001, deadLetteredThrough: 3001 });
    assert.deepEqual([result.counts.ingested, result.counts.deadLettered], [2997, 3]);
    assert.equal(fake.requests[0]?.stream, DEAD_LETTER_STREAM.streamName, "dead-letters first");
    const rowRequests = fake.requests.filter((r) => r.stream === TEST_STREAM.streamName);
    assert.ok(rowRequests.length >= 3, `${rowRequests.length} requests`);
    assert.ok(rowRequests.every((r) => r.uncompressedBytes <= REQUEST_BUDGET_BYTES && r.status === 204));
    assertExactly(rowIds(fake), expectedIds(items));
    const dead = fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.deepEqual(
      dead.map((r) => [r["SourcePosition"], r["Reason"], r["RawData"]]),
      [5, 1500, 2999].map((n) => [`test file line ${n}`, "invalid JSON: oops", `{oops ${n}`]),
    );
  });

  it("stops at the first row of a failed request; resuming sends the rest exactly once and no dead-letter again", async () => {
    const { fake, sink } = world();
    const items = itemsOf(makeRows(3000, 600), [10, 2500]);
    fake.inject({ kind: "status", status: 500, times: 3, match: fromNthRequest(TEST_STREAM.streamName, 2) });
    const first = await upload(sink, items);
    assert.equal(first.failure?.code, "server-error");
    const firstRequest = fake.requests.find((r) => r.stream === TEST_STREAM.streamName)!;
    // The first request held rows of lines 1.. (line 10 is a dead-letter, so one line more).
    assert.equal(first.progress.safeThrough, firstRequest.records + 2);
    assert.equal(first.progress.deadLetteredThrough, 3001, "both dead-letters are in");
    assert.equal(first.counts.ingested, firstRequest.records);
    const second = await upload(sink, items, first.progress);
    assert.equal(second.failure, undefined);
    assert.equal(second.counts.deadLettered, 0);
    assertExactly(rowIds(fake), expectedIds(items));
    assert.equal(fake.acceptedRows(DEAD_LETTER_STREAM.streamName).length, 2);
  });

  it("a dead-letter failure holds both marks at the first dead-letter not stored; resume stores each once", async () => {
    const { fake, sink } = world();
    const items = itemsOf(makeRows(40), [3, 17, 31]);
    fake.inject({
      kind: "status",
      status: 503,
      times: 3,
      match: fromNthRequest(DEAD_LETTER_STREAM.streamName, 2),
    });
    // A one-byte budget: one row per request, so the second dead-letter request is line 17's.
    const first = await upload(sink, items, START, 1);
    assert.deepEqual(first.progress, { safeThrough: 1, deadLetteredThrough: 17 });
    assert.equal(first.counts.deadLettered, 1);
    assert.equal(fake.acceptedRows(TEST_STREAM.streamName).length, 0, "no row before its dead-letters");
    const second = await upload(sink, items, first.progress, 1);
    assert.equal(second.failure, undefined);
    assert.equal(second.counts.deadLettered, 2);
    assert.deepEqual(
      fake.acceptedRows(DEAD_LETTER_STREAM.streamName).map((r) => r["SourcePosition"]),
      [3, 17, 31].map((n) => `test file line ${n}`),
    );
    assertExactly(rowIds(fake), expectedIds(items));
  });

  it("counts an ambiguous request; resending repeats only its rows", async () => {
    const { fake, sink } = world();
    const items = itemsOf(makeRows(30));
    fake.inject({ kind: "timeout-after-receive", match: fromNthRequest(TEST_STREAM.streamName, 2) });
    const first = await upload(sink, items, START, 2_000);
    assert.equal(first.failure?.code, "ambiguous");
    const ambiguousRequest = fake.requests.find((r) => r.status === "timeout")!;
    assert.equal(first.counts.ambiguous, ambiguousRequest.records);
    await upload(sink, items, first.progress, 2_000);
    const ambiguousRows = new Set(
      expectedIds(items).slice(first.counts.ingested, first.counts.ingested + ambiguousRequest.records),
    );
    const twice = assertExactly(rowIds(fake), expectedIds(items), ambiguousRows);
    assert.deepEqual(new Set(twice), ambiguousRows);
  });

  it("narrows a rejected request down by halves: a row Sentinel keeps rejecting is dead-lettered with its reason", async () => {
    const { fake, sink } = world();
    const items = itemsOf(makeRows(512));
    const victim = "evt-300";
    fake.inject({
      kind: "status",
      status: 400,
      times: Infinity,
      match: (r) => r.records.some((row) => row["EventId"] === victim),
    });
    const result = await upload(sink, items);
    assert.equal(result.failure, undefined);
    assert.deepEqual(result.progress.safeThrough, 513);
    assert.deepEqual([result.counts.ingested, result.counts.deadLettered], [511, 1]);
    assertExactly(
      rowIds(fake),
      expectedIds(items).filter((id) => id !== victim),
    );
    const [dead] = fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.equal(dead?.["SourcePosition"], "test file line 301");
    assert.match(String(dead?.["Reason"]), /^Sentinel rejected the row: .*HTTP 400.*injected 400/);
    assert.equal(dead?.["RawData"], JSON.stringify({ seq: 299 + 1 }));
    const rejected = fake.requests.filter((r) => r.status === 400).length;
    assert.ok(rejected <= 10, `halving: ${rejected} rejected requests for 512 rows, not one per row`);
  });

  it("a row that does not match the stream is sent alone and dead-lettered with Sentinel's reason", async () => {
    const { fake, sink } = world();
    const rows = makeRows(20);
    rows[7] = { ...rows[7]!, Size: "big" };
    const items = itemsOf(rows);
    const result = await upload(sink, items);
    assert.equal(result.failure, undefined);
    assert.equal(result.counts.deadLettered, 1);
    const [dead] = fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.match(String(dead?.["Reason"]), /HTTP 400.*Size/);
    assertExactly(
      rowIds(fake),
      expectedIds(items).filter((id) => id !== "evt-7"),
    );
  });

  it("a row too large even after truncation is dead-lettered; the rows around it go in once", async () => {
    const { fake, sink } = world();
    const rows = makeRows(10);
    const huge: SentinelRow = { ...rows[4]! };
    for (let f = 0; f < 20; f += 1) huge[`Extra${f}`] = "x".repeat(70_000);
    rows[4] = huge;
    const items = itemsOf(rows);
    const result = await upload(sink, items);
    assert.equal(result.failure, undefined);
    const [dead] = fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.match(String(dead?.["Reason"]), /^Sentinel rejected the row: .*row 0 rejected: row is \d+ bytes/);
    assertExactly(
      rowIds(fake),
      expectedIds(items).filter((id) => id !== "evt-4"),
    );
  });

  it("a rejected row dead-letter that fails to store holds progress at that row; resume stores it once", async () => {
    const { fake, sink } = world();
    const rows = makeRows(20);
    rows[7] = { ...rows[7]!, Size: "big" };
    const items = itemsOf(rows);
    fake.inject({
      kind: "status",
      status: 503,
      times: 3,
      match: fromNthRequest(DEAD_LETTER_STREAM.streamName, 1),
    });
    const first = await upload(sink, items);
    assert.equal(first.failure?.code, "server-error");
    assert.equal(first.progress.safeThrough, 8, "line 8 holds the rejected row");
    const second = await upload(sink, items, first.progress);
    assert.equal(second.failure, undefined);
    assert.equal(fake.acceptedRows(DEAD_LETTER_STREAM.streamName).length, 1);
    assertExactly(
      rowIds(fake),
      expectedIds(items).filter((id) => id !== "evt-7"),
    );
  });

  it("with the local sink, a row not matching the stream never lets rows behind it be written twice", async () => {
    const sink = await localSinkRun(itemsOf(badSizeRows()));
    const dead = (await readFile(sink.fileFor(DEAD_LETTER_STREAM), "utf8")).trim().split("\n");
    assert.match(String((JSON.parse(dead[0]!) as SentinelRow)["Reason"]), /schema|match/);
  });

  it("checks a row the mapper calls typed when the stream does not declare the mapper's columns alike", async () => {
    // The proof names columns of another type (Size as a string), and TEST_STREAM has no EventTime:
    // trusting it would batch row 7 with the rows behind it, and the local sink would refuse them all.
    const claimed: ColumnSpec[] = [{ name: "Size", type: "string" }];
    const items = itemsOf(badSizeRows()).map((item) =>
      item.mapped.kind === "row" ? { ...item, mapped: { ...item.mapped, typedBy: claimed } } : item,
    );
    await localSinkRun(items);
  });

  it("a sink that throws counts the request as ambiguous and stops there, instead of escaping", async () => {
    let calls = 0;
    const sink: Sink = {
      upload: (_stream, rows) => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error("socket hang up"));
        return Promise.resolve({ accepted: rows.length, failed: [], failedIndexes: [], ambiguous: 0 });
      },
    };
    const items = itemsOf(makeRows(10));
    const result = await upload(sink, items, START, 1);
    assert.equal(result.failure?.code, "ambiguous");
    assert.match(result.failure?.message ?? "", /socket hang up/);
    assert.deepEqual([result.counts.ingested, result.counts.ambiguous], [1, 1]);
    assert.equal(result.progress.safeThrough, 2);
  });
});
