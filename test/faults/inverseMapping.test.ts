import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { mapRecord } from "../../src/feeds/mapping";
import { manualClock, startSimulator } from "../../simulator/index";
import type { FeedKey } from "../../simulator/index";
import { contentKey, rowKey, TABLES } from "./inverseMapping";

const NOW = Date.parse("2024-11-18T04:07:00Z");
const COVERED = FEEDS.filter((f) => ["json", "threat-intel", "siem-batch"].includes(f.source));

describe("the fault oracle's inverse column mapping", () => {
  it("reads every published record of every covered feed back from the row the connector makes of it", async () => {
    const sim = await startSimulator({ seed: 7, clock: manualClock(NOW), eventsPerDay: 300 });
    try {
      for (const feed of COVERED) {
        assert.ok(TABLES[feed.defaultTable], `${feed.id}: its table has an inverse mapping`);
        const keys = new Set<string>();
        let records = 0;
        for (const event of sim.groundTruth(feed.id as FeedKey, { from: NOW - 86_400_000, to: NOW })) {
          const record =
            feed.source === "threat-intel"
              ? (event.record as unknown as { indicator: Record<string, unknown> }).indicator
              : event.record;
          const mapped = mapRecord(
            feed,
            feed.source === "threat-intel" ? { ...record, FeedType: "x" } : record,
          );
          assert.equal(mapped.kind, "row", `${feed.id} maps`);
          if (mapped.kind !== "row") continue;
          const key = contentKey(feed.defaultTable, record);
          assert.equal(rowKey(feed.defaultTable, mapped.row), key, `${feed.id}: ${JSON.stringify(record)}`);
          keys.add(key);
          records += 1;
        }
        assert.ok(records > 10, `${feed.id} has records`);
        // Content keys tell records apart (the oracle counts copies per key).
        assert.ok(keys.size >= records - 1, `${feed.id}: ${keys.size} keys for ${records} records`);
      }
    } finally {
      await sim.close();
    }
  });

  it("a row whose content was changed no longer matches its record", () => {
    const record = { timestamp: 1_731_902_820_000, type: "receipt", senderEnvelope: "a@example.com" };
    const row = {
      EventId: "x",
      timestamp: 1_731_902_820_000,
      Logtype: "email_receipt",
      senderEnvelope: "b@example.com",
    };
    assert.notEqual(rowKey("Seg_Cg_CL", row), contentKey("Seg_Cg_CL", record));
    assert.equal(
      rowKey("Seg_Cg_CL", { ...row, senderEnvelope: "a@example.com" }),
      contentKey("Seg_Cg_CL", record),
    );
  });
});
