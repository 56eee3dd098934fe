import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { fingerprintEventId } from "../../src/feeds/eventId";
import { coerce, mapRecord } from "../../src/feeds/mapping";
import { siemCgFeed } from "../../src/feeds/siem";
import { auditFeed } from "../../src/feeds/audit";
import { ttpUrlFeed } from "../../src/feeds/ttpUrl";
import type { FeedSpec } from "../../src/feeds/types";
import { indicatorRecords } from "../../src/feeds/stix";
import type { AwarenessSnapshotKind, FeedKey, Simulator } from "../../simulator/index";
import { startSimulator } from "../../simulator/index";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const DAY = 86_400_000;

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ seed: 11, clock: { now: () => NOW }, rateLimit: false });
});
after(() => sim.close());

const AWARENESS_KIND: Record<string, AwarenessSnapshotKind> = {
  "awareness-performance": "performance",
  "awareness-safe-score": "safe-score",
  "awareness-watchlist": "watchlist",
};

/**
 * Realistic records of a feed, exactly as the simulator's API serves them — in the form the ingestion
 * unit hands them to the mapper (snapshot rows tagged, STIX indicators enriched, 1.0 records normalised).
 */
function sampleRecords(feed: FeedSpec, count: number): Record<string, unknown>[] {
  if (feed.source === "snapshot") {
    const tags = { SnapshotId: `${feed.id}@x`, SnapshotTime: new Date(NOW).toISOString() };
    const campaign = sim.awarenessSnapshot("campaigns")[0]!;
    const records =
      feed.id === "awareness-phishing"
        ? sim
            .awarenessSnapshot("user-data", { campaignId: String(campaign.id) })
            .map((r) => ({ ...r, campaignId: campaign.id, campaignName: campaign.name }))
        : sim.awarenessSnapshot(AWARENESS_KIND[feed.id]!, { includeUserDetails: true });
    return records.slice(0, count).map((r) => ({ ...r, ...tags }));
  }
  const out: Record<string, unknown>[] = [];
  for (const event of sim.groundTruth(feed.id as FeedKey, { from: NOW - 2 * DAY, to: NOW - DAY })) {
    if (feed.source === "threat-intel") {
      const stix = event.record as unknown as Record<string, Record<string, unknown>>;
      const objects = [stix["malware"]!, stix["indicator"]!, stix["relationship"]!];
      out.push(indicatorRecords(objects, feed.feedType)[0]!.record);
    } else if (feed.source === "siem-v1") {
      out.push(feed.normalise(event.record, `${event.type ?? ""}_20261120.json`));
    } else out.push(event.record);
    if (out.length >= count) break;
  }
  return out;
}

/** Top-level record field → where it went: a column's source, or AdditionalFields. */
function assertNothingDropped(
  feed: FeedSpec,
  record: Record<string, unknown>,
  row: Record<string, unknown>,
): void {
  const additional = (row["AdditionalFields"] ?? {}) as Record<string, unknown>;
  const sources = new Set(feed.columns.map((c) => (c.from ?? c.name).split(".")[0]));
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined || value === null || value === "") continue;
    const inColumn =
      sources.has(field) &&
      feed.columns.some((c) => (c.from ?? c.name).split(".")[0] === field && row[c.name] !== undefined);
    assert.ok(inColumn || field in additional, `${feed.id}: field ${field} was dropped`);
  }
}

describe("record mapping, every feed", () => {
  for (const feed of FEEDS) {
    it(`${feed.id}: EventTime, EventId and every field kept`, () => {
      const records = sampleRecords(feed, 40);
      assert.ok(records.length > 0, "the simulator produced records");
      for (const record of records) {
        const mapped = mapRecord(feed, record);
        assert.equal(mapped.kind, "row", mapped.kind === "dead-letter" ? mapped.reason : "");
        if (mapped.kind !== "row") continue;
        const expectedTime = feed.eventTime(record)!;
        assert.equal(mapped.row["EventTime"], new Date(expectedTime).toISOString());
        assert.equal(mapped.row["TimeGenerated"], mapped.row["EventTime"], "TimeGenerated is the event time");
        assert.equal(mapped.row["EventId"], feed.eventId(record));
        assertNothingDropped(feed, record, mapped.row);
      }
    });
  }
});

describe("compatibility with the Mimecast 3.1 tables", () => {
  const receipt = {
    _offset: 94400001,
    _partition: 32,
    accountId: "CUSA1B23",
    action: "Acc",
    aggregateId: "n-GvVsOI_OtdkXHqcT8mN7_1731437527",
    direction: "Outbound",
    messageId: "<CAKx@mail.example.com>",
    numberAttachments: "0",
    processingId: "p-7Zq_1731437527",
    recipients: "someone@example.org",
    senderEnvelope: "alerts@example.com",
    spamInfo: "[]",
    subject: "Quarterly report",
    subtype: "Allow",
    timestamp: 1731437527130,
    tlsVersion: "TLSv1.3",
    type: "receipt",
    virusFound: null,
    aNewFieldMimecastAddedLater: { nested: true },
  };

  it("CG: type → Logtype legacy label, _offset/_partition → offset/partition, unknown fields kept", () => {
    const mapped = mapRecord(siemCgFeed, receipt);
    assert.equal(mapped.kind, "row");
    if (mapped.kind !== "row") return;
    assert.equal(mapped.row["Logtype"], "email_receipt");
    assert.equal(mapped.row["offset"], 94400001);
    assert.equal(mapped.row["partition"], 32);
    assert.equal(mapped.row["timestamp"], 1731437527130);
    assert.equal(mapped.row["numberAttachments"], "0");
    assert.equal(mapped.row["EventTime"], "2024-11-12T18:52:07.130Z");
    assert.deepEqual(mapped.row["AdditionalFields"], { aNewFieldMimecastAddedLater: { nested: true } });
    // The batch-only Kafka position is not part of the EventId: the stream serves the event without it.
    const { _offset: _o, _partition: _p, ...asStreamed } = receipt;
    assert.equal(mapped.row["EventId"], fingerprintEventId("siem-cg", asStreamed));
    const streamed = mapRecord(siemCgFeed, asStreamed);
    assert.equal(streamed.kind === "row" ? streamed.eventId : "", mapped.eventId);
  });

  it("CG: a record without messageId gets a distinct, stable EventId", () => {
    const { messageId: _dropped, ...withoutMessageId } = receipt;
    const a = mapRecord(siemCgFeed, withoutMessageId);
    const b = mapRecord(siemCgFeed, { ...withoutMessageId });
    const other = mapRecord(siemCgFeed, { ...withoutMessageId, action: "Rej" });
    assert.ok(a.kind === "row" && b.kind === "row" && other.kind === "row");
    assert.equal(a.eventId, b.eventId);
    assert.notEqual(a.eventId, other.eventId);
  });

  it("TTP URL: category → Category, date → Date (string), EventTime parsed from +0000", () => {
    const mapped = mapRecord(ttpUrlFeed, {
      url: "https://login.example-phish.test/",
      category: "Phishing & Fraud",
      date: "2024-11-13T13:03:11+0000",
      scanResult: "malicious",
      messageId: "<m1@x>",
      actions: "Block",
    });
    assert.ok(mapped.kind === "row");
    assert.equal(mapped.row["Category"], "Phishing & Fraud");
    assert.equal(mapped.row["Date"], "2024-11-13T13:03:11+0000");
    assert.equal(mapped.row["EventTime"], "2024-11-13T13:03:11.000Z");
  });

  it("Audit: the record's own id leads the EventId, its fingerprint follows", () => {
    const mapped = mapRecord(auditFeed, {
      id: "eNqrVkrOz0nNzctXslIqLU4tUtJRyk",
      auditType: "Logon Authentication Failed",
      user: "admin@example.com",
      eventTime: "2024-10-17T02:06:50+0000",
      eventInfo: "Failed authentication for admin@example.com",
      category: "authentication_logs",
    });
    assert.ok(mapped.kind === "row");
    assert.match(String(mapped.row["EventId"]), /^audit:eNqrVkrOz0nNzctXslIqLU4tUtJRyk:[0-9a-f]{16}$/);
    assert.equal(mapped.row["eventTime"], "2024-10-17T02:06:50.000Z");
  });
});

describe("dead-letter reasons", () => {
  it("a record failing the feed's schema is dead-lettered with the failing path", () => {
    const mapped = mapRecord(siemCgFeed, { type: "receipt" });
    assert.equal(mapped.kind, "dead-letter");
    assert.match(mapped.kind === "dead-letter" ? mapped.reason : "", /schema: .*timestamp/);
  });

  it("an unreadable event time is dead-lettered naming the field and value", () => {
    const mapped = mapRecord(auditFeed, { id: "x", eventTime: "last tuesday" });
    assert.equal(mapped.kind, "dead-letter");
    assert.match(mapped.kind === "dead-letter" ? mapped.reason : "", /eventTime "last tuesday"/);
  });

  it("a value a typed column cannot hold is kept in AdditionalFields, not dropped", () => {
    const mapped = mapRecord(siemCgFeed, { type: "receipt", timestamp: 1731437527130, _offset: "n/a" });
    assert.ok(mapped.kind === "row");
    assert.equal(mapped.row["offset"], undefined);
    assert.deepEqual(mapped.row["AdditionalFields"], { _offset: "n/a" });
  });
});

describe("type coercion", () => {
  it("converts Mimecast's loose types to the declared column types", () => {
    assert.equal(coerce("3", { name: "n", type: "long" }), 3);
    assert.equal(coerce("3.5", { name: "n", type: "long" }), undefined);
    assert.equal(coerce("3.5", { name: "n", type: "real" }), 3.5);
    assert.equal(coerce("true", { name: "b", type: "boolean" }), true);
    assert.equal(coerce(7, { name: "s", type: "string" }), "7");
    assert.equal(coerce({ a: 1 }, { name: "s", type: "string" }), '{"a":1}');
    assert.equal(
      coerce("2024-10-17T02:06:50+0000", { name: "d", type: "datetime" }),
      "2024-10-17T02:06:50.000Z",
    );
    assert.equal(coerce(null, { name: "s", type: "string" }), undefined);
  });
});
