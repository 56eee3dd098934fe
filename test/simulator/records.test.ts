import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SIEM_CG_TYPES, SIEM_CI_TYPES } from "../../simulator/index";
import { DAY, NOW, withSimulator } from "../helpers/sim-fixtures";

const MIMECAST_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;
const WINDOW = { from: NOW - DAY, to: NOW };

describe("simulated records look like the real API's", () => {
  it("gives every SIEM batch line the common fields, an epoch-ms timestamp and its type name", async () => {
    await withSimulator({}, (sim) => {
      for (const [feed, types] of [
        ["siem-cg", SIEM_CG_TYPES],
        ["siem-ci", SIEM_CI_TYPES],
      ] as const) {
        for (const type of types) {
          const [event] = sim.groundTruth(feed, { ...WINDOW, type });
          assert.ok(event, `${feed} ${type}`);
          const r = event.record;
          assert.equal(r.type, type);
          assert.equal(typeof r.timestamp, "number");
          assert.equal(r.timestamp, event.eventTime);
          for (const field of [
            "_offset",
            "_partition",
            "accountId",
            "aggregateId",
            "processingId",
            "subtype",
          ]) {
            assert.ok(field in r, `${type} lacks ${field}`);
          }
        }
      }
      return Promise.resolve();
    });
  });

  it("writes SIEM batch keys in alphabetical order, as the real lines are", async () => {
    await withSimulator({}, (sim) => {
      for (const [feed, types] of [
        ["siem-cg", SIEM_CG_TYPES],
        ["siem-ci", SIEM_CI_TYPES],
      ] as const) {
        for (const type of types) {
          for (const event of sim.groundTruth(feed, { from: NOW - 6 * 3_600_000, to: NOW, type })) {
            const keys = Object.keys(event.record);
            assert.deepEqual(keys, [...keys].sort(), `${type}: ${keys.join(",")}`);
          }
        }
      }
      return Promise.resolve();
    });
  });

  it("sends SIEM numbers as strings, as Mimecast does", async () => {
    await withSimulator({}, (sim) => {
      const [receipt] = sim.groundTruth("siem-cg", { ...WINDOW, type: "receipt" });
      assert.match(String(receipt?.record.numberAttachments), /^\d+$/);
      assert.equal(typeof receipt?.record.numberAttachments, "string");
      return Promise.resolve();
    });
  });

  it("sometimes leaves messageId out of SIEM lines", async () => {
    await withSimulator({}, (sim) => {
      const records = [...sim.groundTruth("siem-cg", { ...WINDOW, type: "process" })].map((e) => e.record);
      const missing = records.filter((r) => !("messageId" in r)).length;
      assert.ok(missing > 0 && missing < records.length * 0.1, `${missing}/${records.length}`);
      return Promise.resolve();
    });
  });

  it("correlates receipt, process and delivery lines of one email through shared ids", async () => {
    await withSimulator({}, (sim) => {
      const [receipt] = sim.groundTruth("siem-cg", { ...WINDOW, type: "receipt" });
      const [process] = sim.groundTruth("siem-cg", { ...WINDOW, type: "process" });
      // Same (slot, index) → same email.
      assert.equal(receipt?.key.split(":").slice(2).join(":"), process?.key.split(":").slice(2).join(":"));
      assert.equal(receipt?.record.processingId, process?.record.processingId);
      return Promise.resolve();
    });
  });

  it("uses +0000 timestamps on the JSON feeds and ids where Mimecast has them", async () => {
    await withSimulator({}, (sim) => {
      const first = (feed: Parameters<typeof sim.groundTruth>[0]) =>
        sim.groundTruth(feed, WINDOW).next().value!.record;
      assert.match(String(first("dlp").eventTime), MIMECAST_TIME);
      assert.match(String(first("ttp-url").date), MIMECAST_TIME);
      assert.match(String(first("ttp-attachment").date), MIMECAST_TIME);
      assert.match(String(first("ttp-impersonation").eventTime), MIMECAST_TIME);
      assert.match(String(first("ttp-impersonation").id), /^MTOKEN:/);
      assert.match(String(first("audit").eventTime), MIMECAST_TIME);
      assert.equal(typeof first("audit").id, "string");
      assert.match(String(first("message-release").released), MIMECAST_TIME);
      assert.match(String(first("archive-search").createTime), MIMECAST_TIME);
      assert.match(String(first("siem-v1").datetime), MIMECAST_TIME);
      return Promise.resolve();
    });
  });

  it("timestamps threat-intel indicators to the minute, STIX style", async () => {
    await withSimulator({}, (sim) => {
      const [event] = sim.groundTruth("threat-intel-grid", WINDOW);
      const indicator = (event?.record as { indicator: Record<string, unknown> }).indicator;
      assert.match(String(indicator.created), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
      assert.match(String(indicator.id), /^indicator--[0-9a-f-]{36}$/);
      assert.match(String(indicator.pattern), /^\[file:hashes\.'SHA-256' = '[0-9a-f]{64}'\]$/);
      return Promise.resolve();
    });
  });
});
