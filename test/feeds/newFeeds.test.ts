/** Realistic records (as Mimecast serves them) through the new feeds' specs: the rows they become. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awarenessSafeScoreFeed } from "../../src/feeds/awarenessSafeScore";
import { mapRecord } from "../../src/feeds/mapping";
import { snapshotIdFor } from "../../src/feeds/snapshot";
import { indicatorRecords, parseStixPattern } from "../../src/feeds/stix";
import { siemV1Feed } from "../../src/feeds/siemV1";
import { threatIntelGridFeed } from "../../src/feeds/threatIntelGrid";

const SNAPSHOT_TIME = Date.UTC(2024, 10, 18, 12, 0, 0);

function row(result: ReturnType<typeof mapRecord>) {
  assert.equal(result.kind, "row", result.kind === "dead-letter" ? result.reason : "");
  return result.kind === "row" ? result.row : {};
}

describe("awareness snapshot rows", () => {
  const record = {
    emailAddress: "ana.lopez@example.com",
    name: "Ana Lopez",
    department: "Finance",
    userState: "ACTIVE",
    risk: "B",
    humanError: "C",
    sentiment: "A",
    engagement: "B",
    knowledge: "A",
    lastActive: "2024-11-17T09:00:00+0000",
  };
  const tag = (snapshotTime: number) => ({
    ...record,
    SnapshotId: snapshotIdFor("awareness-safe-score", snapshotTime),
    SnapshotTime: new Date(snapshotTime).toISOString(),
  });

  it("carry SnapshotId/SnapshotTime, EventTime = snapshot time, compatible columns, extras in AdditionalFields", () => {
    const r = row(mapRecord(awarenessSafeScoreFeed, tag(SNAPSHOT_TIME)));
    assert.equal(r["SnapshotId"], "awareness-safe-score@2024-11-18T12:00:00.000Z");
    assert.equal(r["EventTime"], "2024-11-18T12:00:00.000Z");
    assert.equal(r["TimeGenerated"], "2024-11-18T12:00:00.000Z");
    assert.equal(r["risk"], "B");
    assert.equal(r["emailAddress"], "ana.lopez@example.com");
    assert.deepEqual(r["AdditionalFields"], { lastActive: "2024-11-17T09:00:00+0000" });
  });

  it("EventId is stable within a snapshot and differs between snapshots", () => {
    const a = row(mapRecord(awarenessSafeScoreFeed, tag(SNAPSHOT_TIME)))["EventId"];
    const again = row(mapRecord(awarenessSafeScoreFeed, { ...tag(SNAPSHOT_TIME), risk: "F" }))["EventId"];
    const next = row(mapRecord(awarenessSafeScoreFeed, tag(SNAPSHOT_TIME + 43_200_000)))["EventId"];
    assert.equal(a, again, "same user, same snapshot: the same row (a retry dedupes)");
    assert.notEqual(a, next);
  });
});

describe("threat-intel rows", () => {
  const bundle = [
    {
      type: "malware",
      spec_version: "2.1",
      id: "malware--5b1c2f0e-1d39-4e1b-9d2a-0c7f0b7c1a11",
      created: "2024-11-18T16:08Z",
      modified: "2024-11-18T16:08Z",
      name: "invoice_4471.xlsm",
      labels: ["virus"],
      is_family: false,
    },
    {
      type: "indicator",
      spec_version: "2.1",
      id: "indicator--9f0c1f61-2a49-4b1c-8c1e-6d0c7b3e2f22",
      created: "2024-11-18T16:08Z",
      modified: "2024-11-18T16:08Z",
      labels: ["malicious-activity"],
      pattern: "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
      pattern_type: "stix",
      valid_from: "2024-11-18T16:08Z",
    },
    {
      type: "relationship",
      spec_version: "2.1",
      id: "relationship--1a2b3c4d-0000-4000-8000-000000000001",
      created: "2024-11-18T16:08Z",
      modified: "2024-11-18T16:08Z",
      relationship_type: "indicates",
      source_ref: "indicator--9f0c1f61-2a49-4b1c-8c1e-6d0c7b3e2f22",
      target_ref: "malware--5b1c2f0e-1d39-4e1b-9d2a-0c7f0b7c1a11",
    },
  ];

  it("one row per indicator: parsed pattern, STIX times, malware names, EventId = STIX id + modified", () => {
    const [indicator, ...others] = indicatorRecords(bundle, "malware_grid");
    assert.equal(others.length, 0);
    const r = row(mapRecord(threatIntelGridFeed, indicator!.record));
    assert.equal(
      r["EventId"],
      "threat-intel-grid:indicator--9f0c1f61-2a49-4b1c-8c1e-6d0c7b3e2f22@2024-11-18T16:08Z",
    );
    assert.equal(r["EventTime"], "2024-11-18T16:08:00.000Z");
    assert.equal(r["ValidFrom"], "2024-11-18T16:08:00.000Z");
    assert.equal(r["IndicatorType"], "file:hashes.'SHA-256'");
    assert.equal(r["IndicatorValue"], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.deepEqual(r["MalwareNames"], ["invoice_4471.xlsm"]);
    assert.equal(r["FeedType"], "malware_grid");
    assert.deepEqual(r["AdditionalFields"], { type: "indicator", spec_version: "2.1" });
    assert.equal(indicator!.object, bundle[1], "the TI upload gets the object as served");
  });

  it("compound patterns keep only Pattern", () => {
    assert.equal(
      parseStixPattern("[ipv4-addr:value = '1.2.3.4'] OR [domain-name:value = 'x.test']"),
      undefined,
    );
    assert.deepEqual(parseStixPattern("[url:value = 'https://x.test/a\\'b']"), {
      type: "url:value",
      value: "https://x.test/a'b",
    });
  });
});

describe("API 1.0 SIEM rows", () => {
  const json = {
    datetime: "2017-05-26T16:47:41+0100",
    aCode: "7O7I7MvGP1mj8plHRDuHEA",
    acc: "C0A0",
    Sender: "alice@example.com",
    Rcpt: "bob@example.net",
    Act: "Acc",
    IP: "198.51.100.7",
    Dir: "Inbound",
    Subject: "Quarterly report",
    MsgId: "<abc@example.com>",
    headerFrom: "alice@example.com",
    Cphr: "TLS_AES_256_GCM_SHA384",
    TlsVer: "TLSv1.2",
    RejType: null,
    Error: "none",
  };
  const keyValue = Object.fromEntries(
    Object.entries(json)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );

  it("map to the Seg_Cg_CL columns with the 3.1 Logtype label; unknown 1.0 fields in AdditionalFields", () => {
    const r = row(mapRecord(siemV1Feed, siemV1Feed.normalise(json, "receipt_20170526160000000.zip")));
    assert.equal(r["Logtype"], "email_receipt");
    assert.equal(r["EventTime"], "2017-05-26T15:47:41.000Z");
    assert.equal(r["timestamp"], Date.UTC(2017, 4, 26, 15, 47, 41));
    assert.equal(r["senderEnvelope"], "alice@example.com");
    assert.equal(r["recipients"], "bob@example.net");
    assert.equal(r["senderIp"], "198.51.100.7");
    assert.equal(r["messageId"], "<abc@example.com>");
    assert.equal(r["accountId"], "C0A0");
    assert.equal(r["aggregateId"], "7O7I7MvGP1mj8plHRDuHEA");
    assert.deepEqual(r["AdditionalFields"], { datetime: "2017-05-26T16:47:41+0100", Error: "none" });
  });

  it("give the same EventId from the json and key_value formats, and a type-aware one", () => {
    const id = (rec: Record<string, unknown>, file: string) =>
      row(mapRecord(siemV1Feed, siemV1Feed.normalise(rec, file)))["EventId"];
    assert.equal(id(json, "receipt_1.json"), id(keyValue, "receipt_1.log"));
    assert.notEqual(id(json, "receipt_1.json"), id(json, "spameventthread_1.json"));
  });

  it("in delivery logs IP is the receiving server", () => {
    const r = row(mapRecord(siemV1Feed, siemV1Feed.normalise(json, "delivery_1.json")));
    assert.equal(r["destinationIp"], "198.51.100.7");
    assert.equal(r["senderIp"], undefined);
  });
});
