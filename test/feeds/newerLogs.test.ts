/**
 * The newer Mimecast logs end to end against the simulator: rejections, archive view logs, remediation
 * incidents (thin list + get-incident) and threat events (GET list + per-event details). Expectations come
 * from the simulator's ground truth (its full records), not from the connector's mapping.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { archiveViewLogsFeed } from "../../src/feeds/archiveViewLogs";
import { rejectionsFeed } from "../../src/feeds/rejections";
import { remediationIncidentsFeed } from "../../src/feeds/remediationIncidents";
import { threatEventsFeed, threatEventsRange } from "../../src/feeds/threatEvents";
import type { JsonWindowFeedSpec } from "../../src/feeds/types";
import { ingestJsonWindow } from "../../src/ingest/jsonWindow";
import { DEAD_LETTER_STREAM } from "../../src/ingest/streams";
import { paginateThreatEvents } from "../../src/mimecast/threatEvents";
import type { FeedKey, LogRecord } from "../../simulator/index";
import type { FeedHarness } from "../helpers/feedIngest";
import { DAY, HOUR, NOW, withFeedHarness } from "../helpers/feedIngest";

const WINDOW = { from: NOW - DAY - 6 * HOUR, to: NOW - DAY };
const VOLUME = { eventsPerDay: 400 };

function truth(h: FeedHarness, feed: JsonWindowFeedSpec): LogRecord[] {
  return [...h.sim.groundTruth(feed.id as FeedKey, { ...WINDOW, publishedBy: NOW })].map((e) => e.record);
}

async function ingest(h: FeedHarness, feed: JsonWindowFeedSpec, pageSize = 25) {
  return ingestJsonWindow({
    client: h.client(),
    feed,
    sink: h.sink,
    stream: h.stream(feed),
    window: WINDOW,
    now: () => NOW,
    pageSize,
  });
}

const byId = (rows: readonly Record<string, unknown>[], field: string) =>
  new Map(rows.map((row) => [String(row[field]), row]));

describe("rejections and archive view logs", () => {
  it("land every published record once, over several pages, with their own fields as typed columns", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      for (const feed of [rejectionsFeed, archiveViewLogsFeed]) {
        const outcome = await ingest(h, feed);
        const expected = truth(h, feed);
        assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
        assert.ok(outcome.counts.pages >= 3, `${feed.id}: ${outcome.counts.pages} pages`);
        assert.equal(h.rows(feed).length, expected.length, feed.id);
        assert.equal(
          new Set(h.rows(feed).map((r) => r["EventId"])).size,
          expected.length,
          `${feed.id}: distinct`,
        );
      }
      const rows = byId(h.rows(rejectionsFeed), "id");
      for (const record of truth(h, rejectionsFeed)) {
        const row = rows.get(String(record["id"]));
        assert.ok(row, `rejection ${String(record["id"])} is missing`);
        assert.equal(row["ipAddress"], record["ipAddress"]);
        assert.equal(row["spamScore"], record["spamScore"]);
        assert.equal(row["manageRecipient"], record["manageRecipient"]);
        assert.equal(row["info"], record["info"]);
      }
      const views = h.rows(archiveViewLogsFeed);
      const viewers = views.map((r) => `${String(r["viewer"])}|${String(r["subject"])}`).sort();
      const expectedViewers = truth(h, archiveViewLogsFeed)
        .map((r) => `${String(r["viewer"])}|${String(r["subject"])}`)
        .sort();
      assert.deepEqual(viewers, expectedViewers);
    });
  });
});

describe("remediation incidents", () => {
  it("complete each thin list record from get-incident, so searchCriteria is never lost", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      const outcome = await ingest(h, remediationIncidentsFeed);
      assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
      const expected = truth(h, remediationIncidentsFeed);
      const rows = byId(h.rows(remediationIncidentsFeed), "id");
      assert.equal(rows.size, expected.length);
      for (const record of expected) {
        const row = rows.get(String(record["id"]));
        assert.ok(row, String(record["id"]));
        assert.deepEqual(row["searchCriteria"], record["searchCriteria"]);
        assert.equal(row["identified"], record["identified"]);
      }
      const detailCalls = h.sim.requests.filter((e) => e.path === "/api/ttp/remediation/get-incident");
      assert.equal(detailCalls.length, expected.length, "one get-incident per incident the list left thin");
    });
  });

  it("give an incident a new EventId when it was modified (a later state is a new row), the same one otherwise", () => {
    const incident = {
      id: "rem-1-2",
      create: "2024-11-17T10:00:00+0000",
      modified: "2024-11-17T10:05:00+0000",
    };
    const again = remediationIncidentsFeed.eventId({ ...incident, identified: 4 });
    assert.equal(remediationIncidentsFeed.eventId(incident), again);
    assert.notEqual(
      remediationIncidentsFeed.eventId(incident),
      remediationIncidentsFeed.eventId({ ...incident, modified: "2024-11-17T11:00:00+0000" }),
    );
  });
});

describe("threat events", () => {
  it("page the GET list and add each event's details: every published detection, with subject and files", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      const outcome = await ingest(h, threatEventsFeed, 20);
      assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
      const expected = truth(h, threatEventsFeed);
      assert.ok(outcome.counts.pages >= 3, `${outcome.counts.pages} pages`);
      const rows = byId(h.rows(threatEventsFeed), "id");
      assert.equal(rows.size, expected.length);
      assert.equal(h.rows(threatEventsFeed).length, expected.length, "none twice");
      for (const record of expected) {
        const row = rows.get(String(record["id"]));
        assert.ok(row, String(record["id"]));
        assert.equal(row["subject"], record["subject"]);
        assert.deepEqual(row["recipients"], record["recipients"]);
        assert.deepEqual(row["attachments"], record["attachments"]);
        assert.deepEqual(row["urls"], record["urls"]);
        assert.equal(row["analysis"], record["analysis"]);
        assert.equal(row["detailsUnavailable"], undefined);
      }
    });
  });

  it("keep an event whose details answer 404, with the reason, instead of blocking the window", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      h.sim.faults.inject({
        kind: "http-status",
        status: 404,
        times: 1,
        match: { family: "threat-event-details" },
      });
      const outcome = await ingest(h, threatEventsFeed, 20);
      assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
      const rows = h.rows(threatEventsFeed);
      assert.equal(rows.length, truth(h, threatEventsFeed).length, "nothing lost");
      const thin = rows.filter((r) => r["detailsUnavailable"] !== undefined);
      assert.equal(thin.length, 1);
      assert.match(String(thin[0]!["detailsUnavailable"]), /404/);
      assert.equal(h.fake.acceptedRows(DEAD_LETTER_STREAM.streamName).length, 0);
    });
  });

  it("stop at a resume point on a 429 from the details endpoint, then finish with nothing twice", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      h.sim.faults.inject({
        kind: "rate-limit",
        resetMs: 60_000,
        times: 1,
        skip: 25,
        match: { family: "threat-event-details" },
      });
      const first = await ingest(h, threatEventsFeed, 20);
      assert.equal(first.kind, "rate-limited", JSON.stringify(first));
      h.clock.advance(61_000);
      const rest = await ingestJsonWindow({
        client: h.client(),
        feed: threatEventsFeed,
        sink: h.sink,
        stream: h.stream(threatEventsFeed),
        window: WINDOW,
        now: () => NOW,
        pageSize: 20,
        resume: first.resume,
      });
      assert.equal(rest.kind, "completed", JSON.stringify(rest));
      const rows = h.rows(threatEventsFeed);
      assert.equal(rows.length, truth(h, threatEventsFeed).length);
      assert.equal(new Set(rows.map((r) => r["id"])).size, rows.length, "none twice");
    });
  });

  it("the simulator refuses a list without a zoned start, a start older than 90 days, and a foreign page token", async () => {
    await withFeedHarness(VOLUME, async (h) => {
      const get = (query: string) =>
        fetch(`${h.sim.url}/threats/v1/events?${query}`, { headers: { authorization: "Bearer x" } });
      assert.equal((await get("pageSize=5")).status, 401, "bearer required");
      const client = h.client();
      await client.authenticate();
      const old = paginateThreatEvents(
        client,
        threatEventsRange({ from: NOW - 91 * DAY, to: NOW - 90 * DAY }),
      );
      await assert.rejects(old.next(), /400|90 days/);
      const pages = paginateThreatEvents(client, threatEventsRange(WINDOW), { pageSize: 5 });
      const first = await pages.next();
      assert.ok(!first.done && first.value.nextToken, "a next page");
      const foreign = paginateThreatEvents(
        client,
        threatEventsRange({ from: WINDOW.from + HOUR, to: WINDOW.to }),
        {
          pageToken: first.value.nextToken,
        },
      );
      await assert.rejects(foreign.next(), /400|another query/);
    });
  });
});
