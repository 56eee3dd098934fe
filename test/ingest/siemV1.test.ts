import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapRecord } from "../../src/feeds/mapping";
import { siemCgFeed } from "../../src/feeds/siem";
import { siemV1Feed } from "../../src/feeds/siemV1";
import { ingestSiemV1 } from "../../src/ingest/siemV1";
import type { SiemV1Resume } from "../../src/ingest/siemV1";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { SiemV1Format } from "../../src/mimecast/siemV1";
import type { FeedHarness } from "../helpers/feedIngest";
import { HOUR, NOW, sortedBy, withFeedHarness } from "../helpers/feedIngest";

const HALF_HOUR = 30 * 60_000;
const START = NOW - 3 * HOUR;

const run = (h: FeedHarness, fileFormat: SiemV1Format, resume?: SiemV1Resume) =>
  ingestSiemV1({
    client: h.client("hmac"),
    feed: siemV1Feed,
    sink: h.sink,
    stream: h.stream(siemV1Feed),
    fileFormat,
    now: () => h.clock.now(),
    ...(resume ? { resume } : {}),
  });

/** EventIds the simulator's published 1.0 files should produce (type from the file's log type). */
function expectedIds(h: FeedHarness): string[] {
  const lastPublished = Math.floor(NOW / HALF_HOUR) * HALF_HOUR;
  return [...h.sim.groundTruth("siem-v1", { from: START, to: lastPublished, basis: "publish" })]
    .map((e) => {
      const mapped = mapRecord(siemV1Feed, siemV1Feed.normalise(e.record, `${e.type ?? ""}_x.json`));
      assert.equal(mapped.kind, "row");
      return mapped.kind === "row" ? mapped.eventId : "";
    })
    .sort();
}

describe("API 1.0 SIEM files against the simulator", () => {
  for (const format of ["json", "key_value"] as const) {
    it(`${format}: follows the token chain to the end, every record once, into the Seg_Cg_CL stream`, async () => {
      await withFeedHarness({ startOfData: START }, async (h) => {
        const outcome = await run(h, format);
        assert.equal(outcome.kind, "completed");
        assert.ok(outcome.counts.pages > 5);
        assert.ok(outcome.resume.token !== undefined, "the last token is kept to poll from");
        assert.equal(h.stream(siemV1Feed).streamName, streamFor(siemCgFeed).streamName);
        assert.deepEqual(sortedBy(h.rows(siemV1Feed), "EventId"), expectedIds(h));
        const logtypes = new Set(h.rows(siemV1Feed).map((r) => r["Logtype"]));
        assert.ok(logtypes.has("email_receipt") && logtypes.has("email_ttp_url"), [...logtypes].join());
      });
    });
  }

  it("polls on from the stored token once newer files are published, nothing twice", async () => {
    await withFeedHarness({ startOfData: START }, async (h) => {
      const first = await run(h, "json");
      assert.equal(first.kind, "completed");
      const before = h.rows(siemV1Feed).length;
      h.clock.advance(HOUR);
      const second = await run(h, "json", first.resume);
      assert.equal(second.kind, "completed");
      assert.ok(h.rows(siemV1Feed).length > before);
      const ids = sortedBy(h.rows(siemV1Feed), "EventId");
      assert.equal(new Set(ids).size, ids.length);
    });
  });

  it("keeps the token of a file Sentinel refused and resumes at that file, nothing lost or twice", async () => {
    await withFeedHarness({ startOfData: START }, async (h) => {
      const stream = h.stream(siemV1Feed).streamName;
      let seen = 0;
      h.fake.inject({
        kind: "status",
        status: 503,
        times: Infinity,
        match: (r) => r.stream === stream && ++seen >= 4 && seen < 4 + 3,
      });
      const first = await run(h, "key_value");
      assert.equal(first.kind, "partial", "a retryable refusal leaves a resume point");
      assert.ok(first.resume.file !== undefined);
      const second = await run(h, "key_value", first.resume);
      assert.equal(second.kind, "completed");
      assert.deepEqual(sortedBy(h.rows(siemV1Feed), "EventId"), expectedIds(h));
    });
  });

  it("malformed lines are dead-lettered with file and line; the chain continues", async () => {
    await withFeedHarness({ startOfData: START }, async (h) => {
      const good = [
        ...h.sim.groundTruth("siem-v1", { from: START, to: NOW, type: "receipt", basis: "publish" }),
      ]
        .slice(0, 2)
        .map((e) => e.record);
      h.sim.faults.inject({
        kind: "http-status",
        status: 200,
        match: { path: "/api/audit/get-siem-logs" },
        headers: {
          "content-type": "application/octet-stream",
          "content-disposition": 'attachment; filename="receipt_20241118090000000.json"',
        },
        body: `{"type":"MTA","data":[\n${JSON.stringify(good[0])},\n{"datetime":"yesterday","acc":"C0A0"},\n${JSON.stringify(good[1])},\n{"datetime": tru`,
      });
      const outcome = await run(h, "json");
      // No mc-siem-token on the forged file: the unit stops there, having handled every line of it.
      assert.equal(outcome.kind, "completed");
      const dead = h.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
      assert.equal(dead.length, 2);
      assert.match(String(dead[0]!["Reason"]), /^time: datetime "yesterday" is not a readable time/);
      assert.match(String(dead[0]!["SourcePosition"]), /receipt_20241118090000000\.json line \d+/);
      assert.equal(h.rows(siemV1Feed).length, 2);
    });
  });
});
