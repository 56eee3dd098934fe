import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awarenessPerformanceFeed } from "../../src/feeds/awarenessPerformance";
import { awarenessPhishingFeed } from "../../src/feeds/awarenessPhishing";
import { awarenessSafeScoreFeed } from "../../src/feeds/awarenessSafeScore";
import { awarenessWatchlistFeed } from "../../src/feeds/awarenessWatchlist";
import { snapshotEventId, snapshotIdFor } from "../../src/feeds/snapshot";
import type { SnapshotFeedSpec } from "../../src/feeds/types";
import { ingestSnapshot } from "../../src/ingest/snapshot";
import type { SnapshotResume } from "../../src/ingest/snapshot";
import { DEAD_LETTER_STREAM, SNAPSHOT_STREAM } from "../../src/ingest/streams";
import type { AwarenessSnapshotKind } from "../../simulator/index";
import type { FeedHarness } from "../helpers/feedIngest";
import { NOW, sortedBy, withFeedHarness } from "../helpers/feedIngest";

/** The snapshot time a caller would pick: the start of the cadence slot. */
const SNAPSHOT_TIME = NOW - (NOW % (12 * 3_600_000));

const run = (h: FeedHarness, feed: SnapshotFeedSpec, resume?: SnapshotResume) =>
  ingestSnapshot({
    client: h.client(),
    feed,
    sink: h.sink,
    stream: h.stream(feed),
    snapshotTime: SNAPSHOT_TIME,
    now: () => h.clock.now(),
    ...(resume ? { resume } : {}),
  });

function expectedIds(feed: SnapshotFeedSpec, records: readonly Record<string, unknown>[]): string[] {
  const snapshotId = snapshotIdFor(feed.id, SNAPSHOT_TIME);
  return records
    .map((r) => snapshotEventId(feed.id, feed.keyFields)({ ...r, SnapshotId: snapshotId }))
    .sort();
}

const COMPANY: Array<[SnapshotFeedSpec, AwarenessSnapshotKind, Record<string, unknown>]> = [
  [awarenessPerformanceFeed, "performance", { includeUserDetails: true }],
  [awarenessSafeScoreFeed, "safe-score", {}],
  [awarenessWatchlistFeed, "watchlist", {}],
];

describe("awareness snapshots against the simulator", () => {
  for (const [feed, kind, options] of COMPANY) {
    it(`${feed.id}: writes exactly today's snapshot, every row tagged, then one completion row`, async () => {
      await withFeedHarness({}, async (h) => {
        const outcome = await run(h, feed);
        assert.equal(outcome.kind, "completed");
        const truth = h.sim.awarenessSnapshot(kind, options);
        assert.ok(truth.length > 0);
        const rows = h.rows(feed);
        assert.deepEqual(sortedBy(rows, "EventId"), expectedIds(feed, truth));
        const snapshotId = snapshotIdFor(feed.id, SNAPSHOT_TIME);
        for (const row of rows) {
          assert.equal(row["SnapshotId"], snapshotId);
          assert.equal(row["SnapshotTime"], new Date(SNAPSHOT_TIME).toISOString());
          assert.equal(row["EventTime"], new Date(SNAPSHOT_TIME).toISOString());
        }
        const markers = h.fake.acceptedRows(SNAPSHOT_STREAM.streamName);
        assert.equal(markers.length, 1);
        assert.equal(markers[0]!["SnapshotId"], snapshotId);
        assert.equal(markers[0]!["RowCount"], truth.length);
        assert.equal(outcome.counts.ingested, truth.length);
      });
    });
  }

  it("awareness-performance: pages of 500 are one page; performance rows keep userDetails as dynamic", async () => {
    await withFeedHarness({}, async (h) => {
      await run(h, awarenessPerformanceFeed);
      const row = h.rows(awarenessPerformanceFeed)[0]!;
      assert.equal(typeof row["userDetails"], "object");
      // real, as the 3.x Awareness_Performance_Details_CL declares it (and numCorrect_d for its 1.0.0 parser)
      assert.equal(typeof row["numCorrect"], "number");
      assert.equal(row["numCorrect_d"], row["numCorrect"]);
      assert.equal(row["AdditionalFields"], undefined);
    });
  });

  it("awareness-phishing: every campaign's users, with the campaign on each row, none twice", async () => {
    await withFeedHarness({}, async (h) => {
      const outcome = await run(h, awarenessPhishingFeed);
      assert.equal(outcome.kind, "completed");
      const campaigns = h.sim.awarenessSnapshot("campaigns");
      assert.ok(campaigns.length > 5);
      const truth = campaigns.flatMap((c) =>
        h.sim
          .awarenessSnapshot("user-data", { campaignId: String(c.id) })
          .map((u) => ({ ...u, campaignId: c.id })),
      );
      const rows = h.rows(awarenessPhishingFeed);
      assert.deepEqual(sortedBy(rows, "EventId"), expectedIds(awarenessPhishingFeed, truth));
      const first = rows[0]!;
      assert.equal(first["campaignId"], campaigns[0]!.id);
      assert.equal(first["campaignName"], campaigns[0]!.name);
      assert.match(String(first["campaignLaunchDate"]), /^\d{4}-\d\d-\d\dT/);
    });
  });

  it("resumes exactly after Sentinel refuses an upload mid-snapshot, in the same SnapshotId", async () => {
    await withFeedHarness({}, async (h) => {
      const feed = awarenessPhishingFeed;
      const stream = h.stream(feed).streamName;
      let seen = 0;
      // One page per campaign: the third campaign's upload keeps failing (503) past the SDK's retries.
      h.fake.inject({
        kind: "status",
        status: 503,
        times: Infinity,
        match: (r) => r.stream === stream && ++seen >= 3 && seen < 6, // the first try and the SDK's two retries
      });
      const first = await run(h, feed);
      assert.equal(first.kind, "partial", "a retryable refusal leaves a resume point");
      const campaigns = h.sim.awarenessSnapshot("campaigns");
      assert.equal(first.resume.parentId, campaigns[2]!.id);
      assert.equal(first.resume.skipRecords, 0);
      assert.equal(h.fake.acceptedRows(SNAPSHOT_STREAM.streamName).length, 0, "no completion row yet");
      const second = await run(h, feed, first.resume);
      assert.equal(second.kind, "completed");
      const truth = campaigns.flatMap((c) =>
        h.sim
          .awarenessSnapshot("user-data", { campaignId: String(c.id) })
          .map((u) => ({ ...u, campaignId: c.id })),
      );
      assert.deepEqual(sortedBy(h.rows(feed), "EventId"), expectedIds(feed, truth));
      const markers = h.fake.acceptedRows(SNAPSHOT_STREAM.streamName);
      assert.equal(markers.length, 1);
      assert.equal(markers[0]!["RowCount"], truth.length);
    });
  });

  it("a failure after some pages resumes inside the page list without loss or repeats", async () => {
    await withFeedHarness({}, async (h) => {
      const feed = awarenessPerformanceFeed;
      const stream = h.stream(feed).streamName;
      // Small pages so the snapshot spans several: fail the third upload request.
      const small: SnapshotFeedSpec = { ...feed, endpoint: { ...feed.endpoint, maxPageSize: 7 } };
      let seen = 0;
      h.fake.inject({
        kind: "status",
        status: 503,
        times: Infinity,
        match: (r) => r.stream === stream && ++seen >= 3 && seen < 3 + 3,
      });
      const first = await run(h, small);
      assert.equal(first.kind, "partial", "a retryable refusal leaves a resume point");
      assert.equal(h.rows(feed).length, 14);
      assert.ok(first.resume.pageToken !== undefined);
      const second = await run(h, small, first.resume);
      assert.equal(second.kind, "completed");
      const truth = h.sim.awarenessSnapshot("performance", { includeUserDetails: true });
      assert.deepEqual(sortedBy(h.rows(feed), "EventId"), expectedIds(feed, truth));
      assert.equal(second.resume.rows, truth.length);
    });
  });

  it("records without their key are dead-lettered with the reason; the snapshot still completes", async () => {
    await withFeedHarness({}, async (h) => {
      const good = h.sim.awarenessSnapshot("watchlist").slice(0, 3);
      h.sim.faults.inject({
        kind: "http-status",
        status: 200,
        match: { path: "/api/awareness-training/company/get-watchlist-details" },
        body: {
          meta: { status: 200, pagination: { pageSize: 5, totalCount: 5 } },
          data: [...good, { name: "no email", watchlistCount: 2 }, "not an object"],
          fail: [],
        },
      });
      const outcome = await run(h, awarenessWatchlistFeed);
      assert.equal(outcome.kind, "completed");
      assert.equal(outcome.counts.deadLettered, 2);
      assert.equal(h.rows(awarenessWatchlistFeed).length, 3);
      const dead = h.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
      assert.equal(dead.length, 2);
      assert.match(String(dead[0]!["Reason"]), /schema: .*email/);
      assert.equal(dead[0]!["Feed"], "awareness-watchlist");
      assert.equal(h.fake.acceptedRows(SNAPSHOT_STREAM.streamName)[0]!["DeadLettered"], 2);
    });
  });
});
