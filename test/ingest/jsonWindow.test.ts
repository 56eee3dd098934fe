/**
 * ingestJsonWindow against the Mimecast simulator and the Logs Ingestion fake (real SDK pipeline): what
 * Sentinel ends up holding is compared with the simulator's ground truth as multisets of EventIds.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { auditFeed } from "../../src/feeds/audit";
import { dlpFeed } from "../../src/feeds/dlp";
import { FEEDS } from "../../src/feeds/index";
import type { JsonWindowFeedSpec } from "../../src/feeds/types";
import type { JsonWindowJob, JsonWindowResume } from "../../src/ingest/jsonWindow";
import { ingestJsonWindow } from "../../src/ingest/jsonWindow";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { UnitOutcome } from "../../src/ingest/types";
import { isTransient } from "../../src/mimecast/errors";
import { paginateJson } from "../../src/mimecast/pagination";
import type { FeedKey, LogRecord } from "../../simulator/index";
import type { FakeRequest } from "../fakes/logsIngestionFake";
import type { World } from "./unitHarness";
import {
  HOUR,
  NOW,
  assertExactly,
  eventIds,
  rowsOfTimedOutRequests,
  runToCompletion,
  startWorld,
  tally,
} from "./unitHarness";

const JSON_FEEDS = FEEDS.filter((feed): feed is JsonWindowFeedSpec => feed.source === "json");
/** Three 8-hour windows of one day, well behind NOW so every event is published. */
const DAY_START = Date.UTC(2024, 10, 15);
const WINDOWS = [0, 1, 2].map((i) => ({
  from: DAY_START + i * 8 * HOUR,
  to: DAY_START + (i + 1) * 8 * HOUR,
}));
const WINDOW = WINDOWS[1]!;
const PAGE = 20;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function open(
  feeds: readonly JsonWindowFeedSpec[],
  simOptions: Parameters<typeof startWorld>[1] = {},
): Promise<World> {
  world = await startWorld(feeds, simOptions);
  return world;
}

function job(w: World, feed: JsonWindowFeedSpec, overrides: Partial<JsonWindowJob> = {}): JsonWindowJob {
  return {
    client: w.client,
    feed,
    sink: w.sink,
    stream: streamFor(feed),
    window: WINDOW,
    now: () => NOW,
    pageSize: PAGE,
    ...overrides,
  };
}

const unit =
  (w: World, feed: JsonWindowFeedSpec, overrides: Partial<JsonWindowJob> = {}) =>
  (resume: JsonWindowResume | undefined): Promise<UnitOutcome<JsonWindowResume>> =>
    ingestJsonWindow({ ...job(w, feed, overrides), ...(resume ? { resume } : {}) });

function truth(
  w: World,
  feed: JsonWindowFeedSpec,
  window = WINDOW,
  publishedBy = NOW,
): { records: LogRecord[]; ids: string[] } {
  const records = [...w.sim.groundTruth(feed.id as FeedKey, { ...window, publishedBy })].map((e) => e.record);
  return { records, ids: records.map((r) => feed.eventId(r)) };
}

/** Matches the `n`-th and every later request to `stream` (a fault's `times` bounds how many it hits). */
function fromNthRequest(stream: string, n: number): (request: FakeRequest) => boolean {
  let seen = 0;
  return (request) => request.stream === stream && ++seen >= n;
}

const rowsIn = (w: World, feed: JsonWindowFeedSpec): string[] =>
  eventIds(w.fake.acceptedRows(streamFor(feed).streamName));

describe("ingestJsonWindow: complete windows", () => {
  it("ingests every JSON feed over several windows and pages exactly as the ground truth: none missing, none twice", async () => {
    const w = await open(JSON_FEEDS);
    for (const feed of JSON_FEEDS) {
      const expected: string[] = [];
      let pages = 0;
      for (const window of WINDOWS) {
        const outcome = await ingestJsonWindow(job(w, feed, { window }));
        assert.equal(outcome.kind, "completed", `${feed.id}: ${JSON.stringify(outcome)}`);
        const { ids } = truth(w, feed, window);
        expected.push(...ids);
        assert.equal(outcome.counts.ingested, ids.length, `${feed.id} ingested count`);
        assert.equal(outcome.counts.fetched, ids.length, `${feed.id} fetched count`);
        assert.equal(outcome.counts.deadLettered, 0);
        pages += outcome.counts.pages;
      }
      assert.ok(expected.length > 3 * PAGE, `${feed.id}: enough data for several pages`);
      assert.ok(pages >= 6, `${feed.id}: ${pages} pages over ${WINDOWS.length} windows`);
      assertExactly(rowsIn(w, feed), expected);
    }
    assert.equal(w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName).length, 0);
  });
});

describe("ingestJsonWindow: Sentinel failures", () => {
  for (const status of [500, 503]) {
    it(`a Sentinel ${status} mid-window ends the run as partial at that page; resuming completes exactly`, async () => {
      const w = await open([dlpFeed]);
      const stream = streamFor(dlpFeed).streamName;
      // Three attempts: the SDK pipeline's own retries (FAST_RETRIES) fail too.
      w.fake.inject({ kind: "status", status, times: 3, match: fromNthRequest(stream, 2) });
      const first = await ingestJsonWindow(job(w, dlpFeed));
      assert.equal(first.kind, "partial");
      assert.equal(first.counts.ingested, PAGE, "page 1 is in");
      assert.ok(first.resume.pageToken, "resume re-requests page 2 by its token");
      assert.equal(first.resume.skipRecords, 0);
      const rest = await runToCompletion(first.resume, unit(w, dlpFeed));
      assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids);
      assert.equal(first.counts.ingested + rest.counts.ingested, truth(w, dlpFeed).ids.length);
    });
  }

  for (const status of [400, 413]) {
    it(`a one-off ${status} is narrowed down by halves within the run: nothing lost, twice or dead-lettered`, async () => {
      const w = await open([dlpFeed]);
      const stream = streamFor(dlpFeed).streamName;
      w.fake.inject({ kind: "status", status, times: 1, match: fromNthRequest(stream, 2) });
      const outcome = await ingestJsonWindow(job(w, dlpFeed));
      assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
      assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids);
      assert.equal(outcome.counts.deadLettered, 0);
      const rejected = w.fake.requests.find((r) => r.status === status)!;
      const after = w.fake.requests.filter((r) => r.n > rejected.n && r.stream === stream);
      assert.equal(after[0]?.records, rejected.records / 2, "the rejected request is retried by halves");
    });
  }

  it("a row Sentinel keeps rejecting (400) becomes a dead-letter with Sentinel's reason; the window completes", async () => {
    const w = await open([dlpFeed]);
    const stream = streamFor(dlpFeed).streamName;
    const { ids } = truth(w, dlpFeed);
    const victim = ids[PAGE + 7]!;
    w.fake.inject({
      kind: "status",
      status: 400,
      times: Infinity,
      match: (r) => r.stream === stream && r.records.some((row) => row["EventId"] === victim),
    });
    const outcome = await ingestJsonWindow(job(w, dlpFeed));
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    assert.equal(outcome.counts.deadLettered, 1);
    assert.equal(outcome.counts.ingested, ids.length - 1);
    assertExactly(
      rowsIn(w, dlpFeed),
      ids.filter((id) => id !== victim),
    );
    const [dead] = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assert.match(String(dead?.["Reason"]), /Sentinel rejected the row.*HTTP 400/);
    assert.match(String(dead?.["SourcePosition"]), /record 7$/);
    assert.equal(dlpFeed.eventId(JSON.parse(String(dead?.["RawData"])) as LogRecord), victim);
  });

  it("an ambiguous upload (timeout after the service stored it) is counted; only its rows repeat, with their EventId", async () => {
    const w = await open([dlpFeed]);
    const stream = streamFor(dlpFeed).streamName;
    w.fake.inject({ kind: "timeout-after-receive", match: fromNthRequest(stream, 2) });
    const first = await ingestJsonWindow(job(w, dlpFeed));
    assert.equal(first.kind, "partial");
    assert.equal(first.counts.ambiguous, PAGE, "the whole page-2 request is ambiguous");
    assert.equal(first.counts.ingested, PAGE);
    await runToCompletion(first.resume, unit(w, dlpFeed));
    const ambiguous = rowsOfTimedOutRequests(w.fake, stream);
    assert.equal(ambiguous.size, PAGE);
    const twice = assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids, ambiguous);
    assert.deepEqual(new Set(twice), ambiguous, "exactly the ambiguous rows exist twice");
  });
});

/**
 * DLP with a stricter schema and time rule: the chosen records fail the schema (ajv) or have an
 * unreadable time, deterministically, so the expected dead-letters are known exactly.
 */
function strictDlp(records: readonly LogRecord[]): { feed: JsonWindowFeedSpec; rejected: Set<string> } {
  const schemaFail = [3, PAGE + 5, 2 * PAGE + 7].map((i) => String(records[i]?.["eventTime"]));
  const timeFail = new Set([10, 3 * PAGE + 1].map((i) => String(records[i]?.["eventTime"])));
  const feed: JsonWindowFeedSpec = {
    ...dlpFeed,
    recordSchema: {
      allOf: [dlpFeed.recordSchema],
      not: { required: ["eventTime"], properties: { eventTime: { enum: schemaFail } } },
    },
    eventTime: (record) =>
      timeFail.has(String(record["eventTime"])) ? undefined : dlpFeed.eventTime(record),
  };
  const bad = new Set([...schemaFail, ...timeFail]);
  const rejected = new Set(
    records.filter((r) => bad.has(String(r["eventTime"]))).map((r) => dlpFeed.eventId(r)),
  );
  return { feed, rejected };
}

describe("ingestJsonWindow: malformed records", () => {
  it("dead-letters schema failures and unreadable times with reason and position, counts them, and continues", async () => {
    const w = await open([dlpFeed]);
    const { records, ids } = truth(w, dlpFeed);
    const { feed, rejected } = strictDlp(records);
    const outcome = await ingestJsonWindow(job(w, feed));
    assert.equal(outcome.kind, "completed");
    assert.equal(outcome.counts.deadLettered, rejected.size);
    assert.equal(outcome.counts.fetched, ids.length);
    assert.equal(outcome.counts.ingested, ids.length - rejected.size);
    assertExactly(
      rowsIn(w, feed),
      ids.filter((id) => !rejected.has(id)),
    );
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assertExactly(
      dead.map((row) => dlpFeed.eventId(JSON.parse(String(row["RawData"])) as LogRecord)),
      [...rejected],
    );
    for (const row of dead) {
      assert.equal(row["Feed"], "dlp");
      assert.match(String(row["Reason"]), /^(schema: |time: eventTime)/);
      assert.match(String(row["SourcePosition"]), /^dlp window .* page .* record \d+$/);
    }
    assert.deepEqual([...tally(dead.map((row) => String(row["Reason"]).slice(0, 6))).entries()].sort(), [
      ["schema", 3],
      ["time: ", 2],
    ]);
  });

  it("a dead-letter upload failure, then resume, never stores a dead-letter twice", async () => {
    const w = await open([dlpFeed]);
    const { records, ids } = truth(w, dlpFeed);
    const { feed, rejected } = strictDlp(records);
    // The second page's dead-letters fail; later the third page's rows fail after its dead-letters got in.
    w.fake.inject({
      kind: "status",
      status: 503,
      times: 3,
      match: fromNthRequest(DEAD_LETTER_STREAM.streamName, 2),
    });
    const first = await ingestJsonWindow(job(w, feed));
    assert.equal(first.kind, "partial");
    assert.equal(first.counts.deadLettered, 2, "page 1's two dead-letters");
    w.fake.inject({
      kind: "status",
      status: 500,
      times: 3,
      match: fromNthRequest(streamFor(feed).streamName, 3),
    });
    const rest = await runToCompletion(first.resume, unit(w, feed));
    assert.ok(rest.outcomes.length >= 2, "the rows failure interrupted the run once more");
    const dead = w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
    assertExactly(eventIds(dead), [...new Set(eventIds(dead))]);
    assert.equal(dead.length, rejected.size);
    assert.equal(first.counts.deadLettered + rest.counts.deadLettered, rejected.size);
    assertExactly(
      rowsIn(w, feed),
      ids.filter((id) => !rejected.has(id)),
    );
  });
});

describe("ingestJsonWindow: Mimecast faults", () => {
  it("a 429 returns rate-limited with `until`, resuming at the page it could not read", async () => {
    const w = await open([dlpFeed]);
    w.sim.faults.inject({
      kind: "rate-limit",
      resetMs: 120_000,
      skip: 1,
      match: { path: dlpFeed.endpoint.path },
    });
    const first = await ingestJsonWindow(job(w, dlpFeed));
    assert.equal(first.kind, "rate-limited");
    assert.ok(first.kind === "rate-limited" && first.until >= NOW + 120_000, JSON.stringify(first));
    assert.equal(first.counts.ingested, PAGE);
    assert.ok(first.resume.pageToken);
    w.clock.advance(121_000);
    await runToCompletion(first.resume, unit(w, dlpFeed));
    assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids);
  });

  it("a 5xx before anything was ingested is thrown (Durable retries); nothing reached Sentinel", async () => {
    const w = await open([dlpFeed]);
    w.sim.faults.inject({
      kind: "http-status",
      status: 503,
      times: Infinity,
      match: { path: dlpFeed.endpoint.path },
    });
    await assert.rejects(ingestJsonWindow(job(w, dlpFeed)), (e: unknown) => isTransient(e));
    assert.equal(w.fake.requests.length, 0);
  });

  it("a 5xx after something was ingested is partial; resuming completes exactly", async () => {
    const w = await open([dlpFeed]);
    const fault = w.sim.faults.inject({
      kind: "http-status",
      status: 500,
      skip: 2,
      times: Infinity,
      match: { path: dlpFeed.endpoint.path },
    });
    const first = await ingestJsonWindow(job(w, dlpFeed));
    assert.equal(first.kind, "partial");
    assert.equal(first.counts.ingested, 2 * PAGE);
    fault.cancel();
    await runToCompletion(first.resume, unit(w, dlpFeed));
    assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids);
  });

  it("an unexpected error after rows were ingested is a retryable failure at the exact resume point, not a throw", async () => {
    const w = await open([dlpFeed]);
    const { records, ids } = truth(w, dlpFeed);
    const poison = records[PAGE + 3]!;
    let broken = true;
    const poisonId = dlpFeed.eventId(poison);
    const flaky: JsonWindowFeedSpec = {
      ...dlpFeed,
      eventId: (record) => {
        const id = dlpFeed.eventId(record);
        if (broken && id === poisonId) throw new TypeError("mapper bug");
        return id;
      },
    };
    const first = await ingestJsonWindow(job(w, flaky));
    assert.equal(first.kind, "failed");
    assert.ok(first.kind === "failed" && first.retryable && /mapper bug/.test(first.reason));
    assert.equal(first.counts.ingested, PAGE);
    broken = false;
    await runToCompletion(first.resume, unit(w, flaky));
    assertExactly(rowsIn(w, dlpFeed), ids);
  });

  it("a reached deadline stops at a page boundary; resuming run after run completes exactly", async () => {
    const w = await open([dlpFeed]);
    const run = await runToCompletion(undefined, unit(w, dlpFeed, { deadline: NOW }));
    const total = truth(w, dlpFeed).ids.length;
    assert.equal(run.outcomes.length, Math.ceil(total / PAGE), "one page per run");
    for (const outcome of run.outcomes.slice(0, -1)) {
      assert.equal(outcome.kind, "partial");
      assert.equal(outcome.resume.skipRecords, 0, "at a page boundary");
    }
    assertExactly(rowsIn(w, dlpFeed), truth(w, dlpFeed).ids);
  });
});

describe("ingestJsonWindow: resuming inside a page", () => {
  /** Audit pages newest first, so late events shift the window's first page. */
  const RECENT = { from: NOW - HOUR, to: NOW };
  const lively = { lateFraction: 0.5, eventsPerDay: { audit: 2000 } };

  async function stopInsideFirstPage(w: World): Promise<UnitOutcome<JsonWindowResume>> {
    const stream = streamFor(auditFeed).streamName;
    w.fake.inject({ kind: "status", status: 503, times: 3, match: fromNthRequest(stream, 4) });
    // A one-byte budget puts every row in its own request, so the failure lands mid-page.
    const first = await ingestJsonWindow(job(w, auditFeed, { window: RECENT, requestBudgetBytes: 1 }));
    assert.equal(first.kind, "partial");
    assert.equal(first.resume.pageToken, undefined, "inside the first page");
    assert.equal(first.resume.skipRecords, 3);
    return first;
  }

  it("skips exactly the handled records of an unchanged page", async () => {
    const w = await open([auditFeed], lively);
    const first = await stopInsideFirstPage(w);
    const rest = await runToCompletion(first.resume, unit(w, auditFeed, { window: RECENT }));
    assert.equal(rest.counts.resent, 0);
    assertExactly(rowsIn(w, auditFeed), truth(w, auditFeed, RECENT).ids);
  });

  it("resumes by identity when the page changed under the resume point: nothing lost, nothing twice", async () => {
    const w = await open([auditFeed], lively);
    const first = await stopInsideFirstPage(w);
    const sentBefore = new Set(rowsIn(w, auditFeed));
    w.sim.clock.advance(2 * HOUR); // late events of the window are published: its first page changes
    const later = NOW + 2 * HOUR;
    assert.ok(truth(w, auditFeed, RECENT, later).ids.length > truth(w, auditFeed, RECENT).ids.length);
    const rest = await runToCompletion(first.resume, unit(w, auditFeed, { window: RECENT }));
    assert.equal(rest.counts.resent, 0, "the handled digest says exactly what was sent");
    assert.ok(sentBefore.size > 0);
    assertExactly(rowsIn(w, auditFeed), truth(w, auditFeed, RECENT, later).ids);
  });

  it("also re-checks a page of which only the dead-letters were stored: a new malformed record on it is not skipped", async () => {
    const w = await open([auditFeed], lively);
    const firstPage = async (): Promise<LogRecord[]> => {
      for await (const page of paginateJson(w.client, auditFeed.endpoint, {
        filter: auditFeed.filter(RECENT),
        pageSize: PAGE,
      }))
        return page.records;
      return [];
    };
    const before = await firstPage();
    w.sim.clock.advance(2 * HOUR);
    const late = (await firstPage()).find((r) => !before.some((b) => b["id"] === r["id"]));
    w.sim.clock.set(NOW);
    assert.ok(late, "a late record reaches the first page (test precondition)");
    const badIds = [String(before[2]?.["id"]), String(late["id"])];
    const strict: JsonWindowFeedSpec = {
      ...auditFeed,
      recordSchema: {
        allOf: [auditFeed.recordSchema],
        not: { required: ["id"], properties: { id: { enum: badIds } } },
      },
    };
    // Page 1's dead-letter gets in, its rows do not: the resume point is dead-letters only.
    w.fake.inject({
      kind: "status",
      status: 503,
      times: 3,
      match: fromNthRequest(streamFor(auditFeed).streamName, 1),
    });
    const first = await ingestJsonWindow(job(w, strict, { window: RECENT }));
    assert.equal(first.kind, "partial");
    assert.deepEqual([first.resume.skipRecords, first.resume.deadLetteredThrough], [0, PAGE]);
    w.sim.clock.advance(2 * HOUR);
    const rest = await runToCompletion(first.resume, unit(w, strict, { window: RECENT }));
    assert.equal(rest.counts.resent, 0, "no row of the page had been sent");
    const deadIds = w.fake
      .acceptedRows(DEAD_LETTER_STREAM.streamName)
      .map((row) => String((JSON.parse(String(row["RawData"])) as LogRecord)["id"]));
    assert.ok(deadIds.includes(String(late["id"])), "the new malformed record is dead-lettered");
    assert.equal(
      deadIds.filter((id) => id === badIds[0]).length,
      1,
      "the stored dead-letter is not stored twice",
    );
    // EventId = audit:<id>:<fingerprint> (docs/feeds.md "EventId").
    const rejected = (eventId: string): boolean => badIds.some((id) => eventId.startsWith(`audit:${id}:`));
    assertExactly(
      rowsIn(w, auditFeed),
      truth(w, auditFeed, RECENT, NOW + 2 * HOUR).ids.filter((id) => !rejected(id)),
    );
  });
});
