import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { threatIntelCustomerFeed } from "../../src/feeds/threatIntelCustomer";
import { threatIntelGridFeed } from "../../src/feeds/threatIntelGrid";
import type { ThreatIntelFeedSpec } from "../../src/feeds/types";
import { ingestThreatIntel } from "../../src/ingest/threatIntel";
import type { ThreatIntelResume } from "../../src/ingest/threatIntel";
import { DEAD_LETTER_STREAM } from "../../src/ingest/streams";
import { TiUploader } from "../../src/sentinel/tiUpload";
import type { TiUploadFake } from "../fakes/tiUploadFake";
import { TI_FAKE_WORKSPACE, createTiUploadFake } from "../fakes/tiUploadFake";
import type { FeedHarness } from "../helpers/feedIngest";
import { DAY, NOW, sortedBy, withFeedHarness } from "../helpers/feedIngest";
import { recordingCredential } from "../sentinel/helpers";

const WINDOW = { from: NOW - 2 * DAY, to: NOW };

function run(
  h: FeedHarness,
  feed: ThreatIntelFeedSpec,
  ti: TiUploadFake | undefined,
  resume?: ThreatIntelResume,
) {
  return ingestThreatIntel({
    client: h.client(),
    feed,
    sink: h.sink,
    stream: h.stream(feed),
    window: WINDOW,
    now: () => h.clock.now(),
    ...(ti
      ? {
          tiUpload: new TiUploader({
            workspaceId: TI_FAKE_WORKSPACE,
            credential: recordingCredential(),
            httpClient: ti.httpClient,
            clock: h.clock,
          }),
        }
      : {}),
    ...(resume ? { resume } : {}),
  });
}

function truthIndicators(h: FeedHarness, feed: ThreatIntelFeedSpec): Array<Record<string, unknown>> {
  return [...h.sim.groundTruth(feed.id as "threat-intel-grid", { ...WINDOW, publishedBy: NOW })].map(
    (e) => (e.record as unknown as { indicator: Record<string, unknown> }).indicator,
  );
}

const eventIdOf = (feed: ThreatIntelFeedSpec, i: Record<string, unknown>) =>
  `${feed.id}:${String(i["id"])}@${String(i["modified"])}`;

describe("threat-intel feeds against the simulator", () => {
  for (const feed of [threatIntelGridFeed, threatIntelCustomerFeed]) {
    it(`${feed.id}: every indicator over several files into the table and Sentinel TI, none twice`, async () => {
      await withFeedHarness({ threatIntelIndicatorsPerFile: 40 }, async (h) => {
        const ti = createTiUploadFake();
        const outcome = await run(h, feed, ti);
        assert.equal(outcome.kind, "completed");
        const truth = truthIndicators(h, feed);
        assert.ok(outcome.counts.pages >= 3, `files: ${outcome.counts.pages}`);
        assert.deepEqual(sortedBy(h.rows(feed), "EventId"), truth.map((i) => eventIdOf(feed, i)).sort());
        assert.deepEqual([...ti.objects.keys()].sort(), truth.map((i) => String(i["id"])).sort());
        const row = h.rows(feed)[0]!;
        assert.equal(row["FeedType"], feed.feedType);
        assert.equal(row["IndicatorType"], "file:hashes.'SHA-256'");
        assert.match(String(row["IndicatorValue"]), /^[0-9a-f]{64}$/);
        assert.ok(Array.isArray(row["MalwareNames"]));
      });
    });
  }

  it("works without a TI uploader (custom table only)", async () => {
    await withFeedHarness({ threatIntelIndicatorsPerFile: 40 }, async (h) => {
      const outcome = await run(h, threatIntelGridFeed, undefined);
      assert.equal(outcome.kind, "completed");
      assert.equal(h.rows(threatIntelGridFeed).length, truthIndicators(h, threatIntelGridFeed).length);
    });
  });

  it("keeps the token on a file until the TI upload has it, and resumes there exactly", async () => {
    await withFeedHarness({ threatIntelIndicatorsPerFile: 40 }, async (h) => {
      const ti = createTiUploadFake();
      const feed = threatIntelGridFeed;
      // Let two TI requests through (files 1 and 2), then 403 on file 3.
      const first = await (async () => {
        let count = 0;
        const original = ti.httpClient.sendRequest.bind(ti.httpClient);
        ti.httpClient.sendRequest = (request) => {
          count += 1;
          if (count === 3) ti.inject({ status: 403 });
          return original(request);
        };
        return run(h, feed, ti);
      })();
      assert.equal(first.kind, "partial");
      assert.ok(first.resume.token !== undefined, "the third file's token is kept");
      assert.equal(first.resume.tiThrough, 0);
      assert.equal(first.resume.skipRecords, 40, "the table already has the third file");
      const second = await run(h, feed, ti, first.resume);
      assert.equal(second.kind, "completed");
      const truth = truthIndicators(h, feed);
      const ids = sortedBy(h.rows(feed), "EventId");
      assert.deepEqual(ids, truth.map((i) => eventIdOf(feed, i)).sort(), "none missing, none twice");
      assert.equal(ti.objects.size, truth.length);
    });
  });

  it("a refused table upload keeps the token on that file and resumes there, nothing twice", async () => {
    await withFeedHarness({ threatIntelIndicatorsPerFile: 40 }, async (h) => {
      const feed = threatIntelCustomerFeed;
      const stream = h.stream(feed).streamName;
      let seen = 0;
      h.fake.inject({
        kind: "status",
        status: 503,
        times: Infinity,
        match: (r) => r.stream === stream && ++seen >= 2 && seen < 2 + 3,
      });
      const first = await run(h, feed, undefined);
      assert.equal(first.kind, "partial", "a retryable refusal leaves a resume point");
      assert.equal(h.rows(feed).length, 40);
      const second = await run(h, feed, undefined, first.resume);
      assert.equal(second.kind, "completed");
      const truth = truthIndicators(h, feed);
      assert.deepEqual(sortedBy(h.rows(feed), "EventId"), truth.map((i) => eventIdOf(feed, i)).sort());
    });
  });

  it("malformed indicators and TI refusals become dead-letters with their reason; the feed continues", async () => {
    await withFeedHarness({}, async (h) => {
      const feed = threatIntelGridFeed;
      const good = truthIndicators(h, feed).slice(0, 3);
      h.sim.faults.inject({
        kind: "http-status",
        status: 200,
        match: { path: "/api/ttp/threat-intel/get-feed" },
        headers: { "content-type": "application/octet-stream" },
        body: JSON.stringify({
          type: "bundle",
          id: "bundle--1",
          objects: [
            ...good,
            { type: "indicator", id: "indicator--bad", spec_version: "2.1", modified: "2024-11-18T10:00Z" },
            { ...good[0], id: "indicator--refused-by-sentinel" },
          ],
        }),
      });
      const ti = createTiUploadFake();
      ti.refuse((o) => (o["id"] === "indicator--refused-by-sentinel" ? "Invalid STIX id" : undefined));
      const outcome = await run(h, feed, ti);
      assert.equal(outcome.kind, "completed");
      assert.equal(outcome.counts.deadLettered, 2);
      assert.equal(h.rows(feed).length, 4);
      assert.equal(ti.objects.size, 3);
      const dead = h.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
      assert.deepEqual(
        dead.map((d) => String(d["Reason"]).split(":")[0]),
        ["schema", "ti-upload"],
      );
      assert.match(String(dead[1]!["Reason"]), /Invalid STIX id/);
      assert.match(String(dead[1]!["SourcePosition"]), /Sentinel TI upload/);
    });
  });
});
