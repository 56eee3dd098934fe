/**
 * Checkpoints per Sentinel request (one ≤ 900 KB call), on the real JSON-window and SIEM-batch paths
 * against the simulator and the Logs Ingestion fake. A "kill" lands right after Sentinel accepted a
 * request and before its checkpoint was kept — the worst instant. The unit then runs again from the
 * last checkpoint it did keep. The oracle is the fake's own store and request log, matched to the
 * simulator's ground truth by content (the fault suite's inverse mapping), never the connector's ids.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { dlpFeed } from "../../src/feeds/dlp";
import { siemCgFeed } from "../../src/feeds/siem";
import type { JsonWindowJob, JsonWindowResume } from "../../src/ingest/jsonWindow";
import { ingestJsonWindow } from "../../src/ingest/jsonWindow";
import type { SiemResume } from "../../src/ingest/siemBatch";
import { SIEM_START, ingestSiemBatch } from "../../src/ingest/siemBatch";
import type { SiemOwnerCursor } from "../../src/ingest/siemOwner";
import { ingestSiemType } from "../../src/ingest/siemStream";
import { streamFor } from "../../src/ingest/streams";
import type { IngestCounts, UnitOutcome } from "../../src/ingest/types";
import { contentKey, rowKey } from "../faults/inverseMapping";
import type { World } from "./unitHarness";
import { HOUR, NOW, startWorld } from "./unitHarness";

const DAY_START = Date.UTC(2024, 10, 15);
const WINDOW = { from: DAY_START, to: DAY_START + 8 * HOUR };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Checkpoint<R> {
  resume: R;
  counts: IngestCounts;
}

/**
 * Runs `unit` from the last kept checkpoint until it completes, killing it after the `killAt`-th
 * accepted request of each attempt (the checkpoint for that request is lost with the process).
 * Bounded: at most `maxAttempts`.
 */
async function runWithKills<R>(
  unit: (
    resume: R | undefined,
    onSegmentAccepted: (resume: unknown, counts: IngestCounts) => Promise<void>,
  ) => Promise<UnitOutcome<R>>,
  killAt: number,
  maxAttempts = 200,
): Promise<{ attempts: number; kills: number }> {
  let kept: Checkpoint<R> | undefined;
  let kills = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    let accepted = 0;
    let killed!: () => void;
    const death = new Promise<"killed">((resolve) => (killed = () => resolve("killed")));
    const running = unit(kept?.resume, (resume, counts) => {
      accepted += 1;
      if (accepted === killAt) {
        // The process dies here: it never continues (the promise never settles), nothing more is sent.
        killed();
        return new Promise<void>(() => undefined);
      }
      kept = { resume: JSON.parse(JSON.stringify(resume)) as R, counts };
      return Promise.resolve();
    });
    const outcome = await Promise.race([running, death]);
    if (outcome === "killed") {
      kills += 1;
      continue;
    }
    if (outcome.kind === "completed") return { attempts: attempt, kills };
    assert.fail(`unexpected ${outcome.kind}: ${"reason" in outcome ? outcome.reason : ""}`);
  }
  return assert.fail(`no completion within ${maxAttempts} attempts`);
}

/** Copies of each published record in Sentinel (by content), and the largest request's row count. */
function tallyByContent(
  w: World,
  stream: string,
  table: string,
  records: readonly Record<string, unknown>[],
): { missing: number; extra: number; largestRequest: number; requests: number } {
  const got = new Map<string, number>();
  for (const row of w.fake.acceptedRows(stream)) {
    const key = rowKey(table, row);
    if (key !== undefined) got.set(key, (got.get(key) ?? 0) + 1);
  }
  const want = new Map<string, number>();
  for (const r of records) {
    const key = contentKey(table, r);
    want.set(key, (want.get(key) ?? 0) + 1);
  }
  let missing = 0;
  let extra = 0;
  for (const [key, n] of want) {
    const have = got.get(key) ?? 0;
    if (have < n) missing += n - have;
    else extra += have - n;
  }
  for (const [key, n] of got) if (!want.has(key)) extra += n;
  const accepted = w.fake.requests.filter((r) => r.stream === stream && r.status === 204);
  return {
    missing,
    extra,
    largestRequest: Math.max(0, ...accepted.map((r) => r.records)),
    requests: accepted.length,
  };
}

/** One 8-hour DLP window in pages of 25, against the world's simulator and Sentinel fake. */
function dlpWindow(w: World, overrides: Partial<JsonWindowJob>): Promise<UnitOutcome<JsonWindowResume>> {
  return ingestJsonWindow({
    client: w.client,
    feed: dlpFeed,
    sink: w.sink,
    stream: streamFor(dlpFeed),
    window: WINDOW,
    now: () => NOW,
    pageSize: 25,
    ...overrides,
  });
}

/** The simulator's siem-cg receipt records published in [from, to), at least `least` of them. */
function receiptRecords(w: World, from: number, to: number, least: number): Record<string, unknown>[] {
  const records = [...w.sim.groundTruth("siem-cg", { type: "receipt", from, to, basis: "publish" })].map(
    (e) => e.record,
  );
  assert.ok(records.length > least, `enough receipt records (${records.length})`);
  return records;
}

/** What the SIEM tests' jobs share: today's receipts, small requests (several per page or file). */
function receiptJob(w: World) {
  return {
    client: w.client,
    feed: siemCgFeed,
    type: "receipt",
    sink: w.sink,
    stream: streamFor(siemCgFeed),
    fromDay: "2024-11-18",
    now: () => NOW,
    requestBudgetBytes: 8_000,
  };
}

/** Nothing lost, several kills, and each kill re-sent at most one request's rows. */
function assertOneRequestPerKill(t: ReturnType<typeof tallyByContent>, kills: number): void {
  assert.equal(t.missing, 0, "nothing lost");
  assert.ok(kills >= 3, `killed several times (${kills})`);
  assert.ok(
    t.extra <= kills * t.largestRequest,
    `re-sent ${t.extra} rows over ${kills} kills; one request holds at most ${t.largestRequest}`,
  );
}

describe("checkpoints per Sentinel request: a kill re-sends at most the request in flight", () => {
  it("JSON window: killed after every third accepted request, the window still lands whole; each kill re-sends at most one request's rows", async () => {
    const w = (world = await startWorld([dlpFeed], { eventsPerDay: { dlp: 400 } }));
    const records = [...w.sim.groundTruth("dlp", { ...WINDOW, publishedBy: NOW })].map((e) => e.record);
    assert.ok(records.length > 60, `enough records for several pages (${records.length})`);
    const stream = streamFor(dlpFeed);
    const { kills } = await runWithKills<JsonWindowResume>(
      (resume, onSegmentAccepted) =>
        dlpWindow(w, {
          // A few rows per request, so every page is several calls.
          requestBudgetBytes: 6_000,
          onSegmentAccepted,
          ...(resume ? { resume } : {}),
        }),
      3,
    );
    const t = tallyByContent(w, stream.streamName, dlpFeed.defaultTable, records);
    assert.equal(t.missing, 0, "nothing lost");
    assert.ok(kills >= 3, `the window was killed several times (${kills})`);
    assert.ok(t.requests > 3 * kills, "pages were split into several requests");
    assert.ok(
      t.extra <= kills * t.largestRequest,
      `re-sent ${t.extra} rows over ${kills} kills; one request holds at most ${t.largestRequest}`,
    );
    assert.ok(t.extra < kills * 25, "less than a page per kill: checkpoints are finer than pages");
  });

  it("JSON window: a second execution after the first completed sends nothing (the end is checkpointed)", async () => {
    const w = (world = await startWorld([dlpFeed], { eventsPerDay: { dlp: 200 } }));
    const records = [...w.sim.groundTruth("dlp", { ...WINDOW, publishedBy: NOW })].map((e) => e.record);
    const stream = streamFor(dlpFeed);
    let kept: unknown;
    const run = (resume?: JsonWindowResume): Promise<UnitOutcome<JsonWindowResume>> =>
      dlpWindow(w, {
        onSegmentAccepted: (r) => {
          kept = JSON.parse(JSON.stringify(r)) as unknown;
          return Promise.resolve();
        },
        ...(resume ? { resume } : {}),
      });
    assert.equal((await run()).kind, "completed");
    const again = await run(kept as JsonWindowResume);
    assert.equal(again.kind, "completed");
    assert.equal(again.counts.ingested, 0);
    const t = tallyByContent(w, stream.streamName, dlpFeed.defaultTable, records);
    assert.deepEqual([t.missing, t.extra], [0, 0]);
  });

  it("SIEM batch: killed after every fifth accepted request, the day lands whole; each kill re-sends at most one request's rows", async () => {
    // ~40 lines per 15-minute file: several requests per file.
    const w = (world = await startWorld([siemCgFeed], { eventsPerDay: { "siem-cg:receipt": 4_000 } }));
    const records = receiptRecords(w, Date.UTC(2024, 10, 18), Date.UTC(2024, 10, 18, 12), 100);
    const job = receiptJob(w);
    const { kills } = await runWithKills<SiemResume>(
      (resume, onSegmentAccepted) =>
        ingestSiemBatch({
          ...job,
          toDay: "2024-11-18",
          pageSize: 10,
          onSegmentAccepted,
          ...(resume ? { resume } : {}),
        }),
      5,
      600,
    );
    assertOneRequestPerKill(
      tallyByContent(w, job.stream.streamName, siemCgFeed.defaultTable, records),
      kills,
    );
  });

  it("SIEM stream: killed after every fourth accepted request, the stream's part lands whole; each kill re-sends at most one request's rows", async () => {
    // No late events: everything the stream owns is due at the live edge (re-reads are another test's).
    const w = (world = await startWorld([siemCgFeed], {
      eventsPerDay: { "siem-cg:receipt": 4_000 },
      lateFraction: 0,
      siemStream: { ordering: "event-time", rateLimit: false, repeatsPerPage: 2 },
    }));
    const from = NOW - 3 * HOUR;
    const onStream: SiemOwnerCursor = {
      v: "siem-owner-1",
      owner: "stream",
      why: "test: the stream owns the type",
      since: from,
      batch: { resume: SIEM_START, owns: [] },
      stream: { from, edge: from, buckets: [] },
    };
    const records = receiptRecords(w, from, NOW - 10_000, 300);
    const job = receiptJob(w);
    const { kills } = await runWithKills<unknown>(
      (resume, onSegmentAccepted) =>
        ingestSiemType({
          ...job,
          resume: resume ?? onStream,
          path: "stream",
          lateHorizonMs: 2 * HOUR,
          maxStreamCalls: 1_000,
          onSegmentAccepted,
        }),
      4,
      600,
    );
    const t = tallyByContent(w, job.stream.streamName, siemCgFeed.defaultTable, records);
    assert.ok(t.requests > 3 * kills, "pages were split into several requests");
    assertOneRequestPerKill(t, kills);
  });
});
