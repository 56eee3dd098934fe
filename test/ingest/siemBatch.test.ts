/**
 * ingestSiemBatch against the simulator's SIEM batch listing and presigned file host, into the Logs
 * Ingestion fake through the real sink. Ground truth: the events *published* in the listed range.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { siemCgFeed, siemCiFeed } from "../../src/feeds/siem";
import type { SiemBatchFeedSpec } from "../../src/feeds/types";
import type { SiemBatchJob, SiemResume } from "../../src/ingest/siemBatch";
import { ingestSiemBatch } from "../../src/ingest/siemBatch";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { UnitOutcome } from "../../src/ingest/types";
import type { Sink } from "../../src/sentinel/sink";
import { SIEM_BATCH_PATH } from "../../src/mimecast/endpoints";
import { isTransient } from "../../src/mimecast/errors";
import { listSiemBatch } from "../../src/mimecast/pagination";
import type { LogRecord } from "../../simulator/index";
import type { FakeRequest } from "../fakes/logsIngestionFake";
import type { World } from "./unitHarness";
import { HOUR, NOW, assertExactly, eventIds, runToCompletion, startWorld } from "./unitHarness";

const TODAY = "2024-11-18";
const TODAY_MS = Date.UTC(2024, 10, 18);
/** Files exist for publish slots that ended by NOW (12:07): the last one ends at 12:00. */
const PUBLISHED_TO = Date.UTC(2024, 10, 18, 12);
const FILES_PER_TYPE = 48;
const LIST_PAGE = 10;
/** ~200 lines per file, so a cut or a deadline lands mid-file. */
const big = { eventsPerDay: { "siem-cg:receipt": 20_000 } };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function open(simOptions: Parameters<typeof startWorld>[1] = {}): Promise<World> {
  world = await startWorld([siemCgFeed, siemCiFeed], simOptions);
  return world;
}

function job(
  w: World,
  feed: SiemBatchFeedSpec,
  type: string,
  overrides: Partial<SiemBatchJob> = {},
): SiemBatchJob {
  return {
    client: w.client,
    feed,
    type,
    sink: w.sink,
    stream: streamFor(feed),
    fromDay: TODAY,
    toDay: TODAY,
    now: () => NOW,
    pageSize: LIST_PAGE,
    ...overrides,
  };
}

const unit =
  (w: World, feed: SiemBatchFeedSpec, type: string, overrides: Partial<SiemBatchJob> = {}) =>
  (resume: SiemResume | undefined): Promise<UnitOutcome<SiemResume>> =>
    ingestSiemBatch({ ...job(w, feed, type, overrides), ...(resume ? { resume } : {}) });

function truth(
  w: World,
  feed: SiemBatchFeedSpec,
  type: string,
  to = PUBLISHED_TO,
): { records: LogRecord[]; ids: string[] } {
  const key = feed.id === "siem-cg" ? "siem-cg" : "siem-ci";
  const records = [...w.sim.groundTruth(key, { type, from: TODAY_MS, to, basis: "publish" })].map(
    (e) => e.record,
  );
  return { records, ids: records.map((r) => feed.eventId(r)) };
}

const rowsIn = (w: World, feed: SiemBatchFeedSpec): string[] =>
  eventIds(w.fake.acceptedRows(streamFor(feed).streamName));

function fromNthRequest(stream: string, n: number): (request: FakeRequest) => boolean {
  let seen = 0;
  return (request) => request.stream === stream && ++seen >= n;
}

const listingCalls = (w: World, feed: SiemBatchFeedSpec): number =>
  w.sim.requests.filter((r) => r.path === SIEM_BATCH_PATH[feed.window.batchKind]).length;

describe("ingestSiemBatch: complete runs", () => {
  it("ingests every CG and CI type over several listing pages and files exactly as the ground truth", async () => {
    const w = await open({ eventsPerDay: { "siem-cg": 400, "siem-ci": 400 } });
    for (const feed of [siemCgFeed, siemCiFeed]) {
      const expected: string[] = [];
      for (const type of feed.window.types) {
        const outcome = await ingestSiemBatch(job(w, feed, type));
        assert.equal(outcome.kind, "completed", `${feed.id} ${type}: ${JSON.stringify(outcome)}`);
        const { ids } = truth(w, feed, type);
        assert.ok(outcome.counts.pages > 2 * LIST_PAGE, `${type}: files of several listing pages`);
        assert.equal(outcome.counts.ingested, ids.length, `${type} ingested`);
        assert.equal(outcome.counts.fetched, ids.length, `${type} fetched`);
        assert.ok(outcome.resume.cursor, "the cursor to continue from later");
        assert.equal(outcome.resume.fileIndex, 0);
        expected.push(...ids);
      }
      assertExactly(rowsIn(w, feed), expected);
    }
  });

  it("respects isCaughtUp: a completed cursor finds nothing until new files are published, then only those", async () => {
    const w = await open();
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "completed");
    assert.equal(first.counts.pages, FILES_PER_TYPE);
    const again = await unit(w, siemCgFeed, "receipt")(first.resume);
    assert.equal(again.kind, "completed");
    assert.equal(again.counts.fetched, 0, "caught up: nothing listed, nothing sent");
    w.sim.clock.advance(HOUR);
    const later = await unit(w, siemCgFeed, "receipt")(again.resume);
    assert.equal(later.kind, "completed");
    assert.equal(later.counts.pages, 4, "the four files published in the hour");
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt", PUBLISHED_TO + HOUR).ids);
  });

  it("moves the cursor only after every file of a page is in", async () => {
    const w = await open();
    const stream = streamFor(siemCgFeed).streamName;
    const firstPage = await listSiemBatch(w.client, {
      kind: "cg",
      type: "receipt",
      from: TODAY,
      to: TODAY,
      pageSize: LIST_PAGE,
    });
    // One request per file: the 15th is the 5th file of the second listing page.
    w.fake.inject({ kind: "status", status: 503, times: 3, match: fromNthRequest(stream, 15) });
    const stopped = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(stopped.kind, "partial");
    assert.equal(stopped.resume.cursor, firstPage.nextPage, "still the cursor that lists page 2");
    assert.equal(stopped.resume.fileIndex, 4);
    assert.equal(stopped.resume.line, 1);
    assert.equal(stopped.counts.pages, 15);
    await runToCompletion(stopped.resume, unit(w, siemCgFeed, "receipt"));
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });
});

/** Records published in the malformed lines were lost from their files (replaced by garbage). */
function lostIds(w: World): { lost: Set<string>; garbled: Set<string> } {
  const lines = w.sim.faults.malformedLines();
  return {
    lost: new Set(lines.map((l) => siemCgFeed.eventId(JSON.parse(l.originalLine) as LogRecord))),
    garbled: new Set(lines.map((l) => `${l.file} line ${l.lineNumber}`)),
  };
}

describe("ingestSiemBatch: malformed input", () => {
  it("dead-letters malformed lines with reason and file/line, counts them, and continues", async () => {
    const w = await open();
    w.sim.faults.inject({ kind: "malformed-lines", count: 3, times: 4, match: { family: "siem-file" } });
    const outcome = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(outcome.kind, "completed");
    const { lost, garbled } = lostIds(w);
    assert.equal(garbled.size, 12);
    assert.equal(outcome.counts.deadLettered, 12);
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.deepEqual(
      new Set(
        dead.map((row) => String(row["SourcePosition"]).replace(/^siem-cg receipt http:\/\/[^/]+/, "")),
      ),
      garbled,
    );
    for (const row of dead) {
      assert.equal(row["Feed"], "siem-cg");
      assert.match(String(row["Reason"]), /^(invalid JSON|line is JSON but not an object)/);
    }
    const { ids } = truth(w, siemCgFeed, "receipt");
    assertExactly(
      rowsIn(w, siemCgFeed),
      ids.filter((id) => !lost.has(id)),
    );
  });

  it("dead-letters records that fail the feed's schema, and continues", async () => {
    const w = await open();
    const { records, ids } = truth(w, siemCgFeed, "receipt");
    const bad = [5, 300, 700].map((i) => records[i]!["timestamp"]);
    const feed: SiemBatchFeedSpec = {
      ...siemCgFeed,
      recordSchema: {
        allOf: [siemCgFeed.recordSchema],
        not: { required: ["timestamp"], properties: { timestamp: { enum: bad } } },
      },
    };
    const rejected = new Set(
      records.filter((r) => bad.includes(r["timestamp"])).map((r) => siemCgFeed.eventId(r)),
    );
    const outcome = await ingestSiemBatch(job(w, feed, "receipt"));
    assert.equal(outcome.kind, "completed");
    assert.equal(outcome.counts.deadLettered, rejected.size);
    assertExactly(
      rowsIn(w, feed),
      ids.filter((id) => !rejected.has(id)),
    );
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.ok(dead.every((row) => String(row["Reason"]).startsWith("schema: ")));
    assertExactly(
      dead.map((row) => siemCgFeed.eventId(JSON.parse(String(row["RawData"])) as LogRecord)),
      [...rejected],
    );
  });

  it("dead-letters the rows Sentinel refuses with the line as served, the rows around them in once", async () => {
    const w = await open();
    const { records, ids } = truth(w, siemCgFeed, "receipt");
    // Sentinel refuses every request holding one of three chosen events: the segment narrows it down
    // to those rows, which wait as bytes (RowSlabs) until then, their lines too.
    const victims = new Set([7, 250, 801].map((i) => ids[i]!));
    w.fake.inject({
      kind: "status",
      status: 400,
      times: Infinity,
      match: (request) => request.records.some((row) => victims.has(String(row["EventId"]))),
    });
    const outcome = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    assertExactly(
      rowsIn(w, siemCgFeed),
      ids.filter((id) => !victims.has(id)),
    );
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.equal(dead.length, victims.size);
    const served = new Map(records.map((r, i) => [ids[i]!, r]));
    for (const row of dead) {
      assert.match(String(row["Reason"]), /^Sentinel rejected the row: .*400/);
      const raw = JSON.parse(String(row["RawData"])) as LogRecord;
      // The simulator's own record (its ground truth), whole: batch-only fields included.
      assert.ok(victims.has(siemCgFeed.eventId(raw)));
      assert.deepStrictEqual(raw, served.get(siemCgFeed.eventId(raw)));
      assert.ok("_offset" in raw, "the line as served, not the mapped row");
    }
  });

  it("after a dead-letter upload failure, or a rows failure after the dead-letters got in, resume stores none twice", async () => {
    const w = await open();
    // Every download garbles lines 2 and 9, so re-reading a file shows the same garbage (files are immutable).
    w.sim.faults.inject({
      kind: "malformed-lines",
      lines: [2, 9],
      times: Infinity,
      match: { family: "siem-file" },
    });
    w.fake.inject({
      kind: "status",
      status: 503,
      times: 3,
      match: fromNthRequest(DEAD_LETTER_STREAM.streamName, 3),
    });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "partial");
    w.fake.inject({
      kind: "status",
      status: 500,
      times: 3,
      match: fromNthRequest(streamFor(siemCgFeed).streamName, 5),
    });
    const rest = await runToCompletion(first.resume, unit(w, siemCgFeed, "receipt"));
    assert.ok(rest.outcomes.length >= 2, "the rows failure interrupted once more");
    const { lost, garbled } = lostIds(w);
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assertExactly(eventIds(dead), [...new Set(eventIds(dead))]);
    assert.equal(dead.length, garbled.size);
    assert.equal(first.counts.deadLettered + rest.counts.deadLettered, garbled.size);
    assertExactly(
      rowsIn(w, siemCgFeed),
      truth(w, siemCgFeed, "receipt").ids.filter((id) => !lost.has(id)),
    );
  });
});

describe("ingestSiemBatch: a segment uploads while the next one is read", () => {
  /** The world's sink, counting uploads in flight at once. */
  function overlapWatch(w: World): { sink: Sink; most: () => number } {
    let inFlight = 0;
    let most = 0;
    return {
      sink: {
        upload: async (...args: Parameters<Sink["upload"]>) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          try {
            return await w.sink.upload(...args);
          } finally {
            inFlight -= 1;
          }
        },
      },
      most: () => most,
    };
  }

  it("one upload at a time, in order: a segment Sentinel refuses stops the unit at its first line, nothing read behind it is sent", async () => {
    const w = await open(big);
    const watch = overlapWatch(w);
    const stream = streamFor(siemCgFeed).streamName;
    // The second segment's request fails for good in this run (every retry of it too).
    const nth = fromNthRequest(stream, 2);
    let refusing = true;
    w.fake.inject({ kind: "status", status: 500, times: Infinity, match: (r) => refusing && nth(r) });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt", { sink: watch.sink, segmentSize: 50 }));
    assert.notEqual(first.kind, "completed");
    assert.deepEqual([first.resume.fileIndex, first.resume.line], [0, 51]);
    assert.equal(first.counts.ingested, 50);
    const sent = rowsIn(w, siemCgFeed);
    assert.equal(sent.length, 50, "the first segment only: the one read behind the refused one is not sent");
    const all = new Set(truth(w, siemCgFeed, "receipt").ids);
    assert.ok(sent.every((id) => all.has(id)));
    refusing = false;
    await runToCompletion(
      first.resume,
      unit(w, siemCgFeed, "receipt", { sink: watch.sink, segmentSize: 50 }),
    );
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
    assert.equal(watch.most(), 1, "never two uploads at once");
  });
});

describe("ingestSiemBatch: Sentinel rejections", () => {
  it("a row Sentinel keeps rejecting becomes a dead-letter with Sentinel's reason; the type completes", async () => {
    const w = await open();
    const stream = streamFor(siemCgFeed).streamName;
    const { ids } = truth(w, siemCgFeed, "receipt");
    const victim = ids[100]!;
    w.fake.inject({
      kind: "status",
      status: 400,
      times: Infinity,
      match: (r) => r.stream === stream && r.records.some((row) => row["EventId"] === victim),
    });
    const outcome = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    assert.equal(outcome.counts.deadLettered, 1);
    assertExactly(
      rowsIn(w, siemCgFeed),
      ids.filter((id) => id !== victim),
    );
    const [dead] = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.match(String(dead?.["Reason"]), /Sentinel rejected the row.*HTTP 400/);
    assert.match(String(dead?.["SourcePosition"]), /\.json\.gz line \d+$/);
  });
});

describe("ingestSiemBatch: listing changes under a resume point", () => {
  it("finds its file when the next listing's presigned URLs name another host, and re-sends nothing", async () => {
    const w = await open();
    const stream = streamFor(siemCgFeed).streamName;
    w.fake.inject({ kind: "status", status: 503, times: 3, match: fromNthRequest(stream, 5) });
    const run = unit(w, siemCgFeed, "receipt");
    const first = await run(undefined);
    assert.equal(first.kind, "partial");
    assert.ok(first.resume.file, "the resume point names its file");
    // The point as a checkpoint from a listing served by another endpoint holds it (a restarted local
    // simulator gets a new port; Mimecast's storage host may change between listings).
    const moved = {
      ...first.resume,
      file: `https://other-bucket.example:8443${new URL(first.resume.file, "http://x").pathname}`,
    };
    const rest = await runToCompletion(moved, run);
    assert.equal(rest.counts.resent, 0, "nothing of the page was sent again");
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("finds its file by path when older files of the page aged out of retention, and re-sends nothing", async () => {
    const w = await open();
    const stream = streamFor(siemCgFeed).streamName;
    const firstDay = "2024-11-11"; // the oldest day the 7-day retention still serves at NOW
    const firstDayMs = Date.UTC(2024, 10, 11);
    // Listing page 10 holds files 90–99: 22:30–23:45 of day 1, then 00:00–00:45 of day 2.
    // Stop in file 97 (page index 7): one Sentinel request per file.
    w.fake.inject({ kind: "status", status: 503, times: 3, match: fromNthRequest(stream, 98) });
    const run = unit(w, siemCgFeed, "receipt", { fromDay: firstDay, toDay: "2024-11-12" });
    const first = await run(undefined);
    assert.equal(first.kind, "partial");
    assert.equal(first.resume.fileIndex, 7);
    w.sim.clock.advance(24 * HOUR); // day 1 leaves retention: the page now starts at day 2's first file
    const rest = await runToCompletion(first.resume, run);
    assert.equal(rest.counts.resent, 0);
    const truthIds = [
      ...w.sim.groundTruth("siem-cg", {
        type: "receipt",
        from: firstDayMs,
        to: firstDayMs + 48 * HOUR,
        basis: "publish",
      }),
    ].map((e) => siemCgFeed.eventId(e.record));
    assertExactly(rowsIn(w, siemCgFeed), truthIds);
  });
});

describe("ingestSiemBatch: file download faults", () => {
  it("re-lists on an expired presigned URL and goes on with the same file, within the run", async () => {
    const w = await open();
    w.sim.faults.inject({ kind: "expired-url", skip: 12, match: { family: "siem-file" } });
    const outcome = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(outcome.kind, "completed");
    assert.equal(listingCalls(w, siemCgFeed), Math.ceil(FILES_PER_TYPE / LIST_PAGE) + 1, "one re-list");
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("a truncated gzip mid-file is partial at the first line not read; an expired URL on resume re-lists and continues at that line", async () => {
    const w = await open(big);
    w.sim.faults.inject({ kind: "truncated-gzip", skip: 2, match: { family: "siem-file" } });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "partial");
    assert.equal(first.resume.fileIndex, 2);
    assert.ok(first.resume.line > 20, `resume inside the file (line ${first.resume.line})`);
    assert.equal(rowsIn(w, siemCgFeed).length, first.counts.ingested);
    w.sim.faults.inject({ kind: "expired-url", match: { family: "siem-file" } });
    const listingsBefore = listingCalls(w, siemCgFeed);
    const second = await unit(w, siemCgFeed, "receipt")(first.resume);
    assert.equal(second.kind, "completed");
    assert.equal(listingCalls(w, siemCgFeed) - listingsBefore, Math.ceil(FILES_PER_TYPE / LIST_PAGE) + 1);
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("a connection reset on a file download is partial at that file; resuming completes exactly", async () => {
    const w = await open();
    w.sim.faults.inject({ kind: "reset", skip: 3, match: { family: "siem-file" } });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "partial");
    assert.equal(first.resume.fileIndex, 3);
    assert.equal(first.resume.line, 1);
    await runToCompletion(first.resume, unit(w, siemCgFeed, "receipt"));
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });
});

describe("ingestSiemBatch: Mimecast faults and deadlines", () => {
  const listing = { path: SIEM_BATCH_PATH.cg };

  it("a 429 on the listing returns rate-limited with `until` and the cursor of the page it could not list", async () => {
    const w = await open();
    w.sim.faults.inject({ kind: "rate-limit", resetMs: 120_000, skip: 1, match: listing });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "rate-limited");
    assert.ok(first.kind === "rate-limited" && first.until >= NOW + 120_000);
    assert.equal(first.counts.pages, LIST_PAGE, "page 1 is in");
    assert.ok(first.resume.cursor);
    w.clock.advance(121_000);
    await runToCompletion(first.resume, unit(w, siemCgFeed, "receipt"));
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("a 5xx before anything was ingested is thrown; after a page was ingested it is partial", async () => {
    const w = await open();
    const always = w.sim.faults.inject({ kind: "http-status", status: 502, times: Infinity, match: listing });
    await assert.rejects(ingestSiemBatch(job(w, siemCgFeed, "receipt")), (e: unknown) => isTransient(e));
    assert.equal(w.fake.requests.length, 0);
    always.cancel();
    const later = w.sim.faults.inject({
      kind: "http-status",
      status: 503,
      skip: 1,
      times: Infinity,
      match: listing,
    });
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt"));
    assert.equal(first.kind, "partial");
    assert.equal(first.counts.pages, LIST_PAGE);
    later.cancel();
    await runToCompletion(first.resume, unit(w, siemCgFeed, "receipt"));
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("a reached deadline stops at a file boundary; resuming run after run completes exactly", async () => {
    const w = await open();
    const run = await runToCompletion(undefined, unit(w, siemCgFeed, "receipt", { deadline: NOW }));
    assert.equal(run.outcomes.length, FILES_PER_TYPE, "one file per run");
    for (const outcome of run.outcomes.slice(0, -1)) {
      assert.equal(outcome.kind, "partial");
      assert.equal(outcome.resume.line, 1, "at a file boundary");
    }
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });

  it("inside a long file, a reached deadline stops after a segment at its exact line", async () => {
    const w = await open(big);
    const first = await ingestSiemBatch(job(w, siemCgFeed, "receipt", { deadline: NOW, segmentSize: 50 }));
    assert.equal(first.kind, "partial");
    assert.deepEqual([first.resume.fileIndex, first.resume.line], [0, 51]);
    assert.equal(first.counts.ingested, 50);
    await runToCompletion(first.resume, unit(w, siemCgFeed, "receipt", { segmentSize: 50 }));
    assertExactly(rowsIn(w, siemCgFeed), truth(w, siemCgFeed, "receipt").ids);
  });
});
