import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sweepAges } from "../../src/planning/sweeps";
import { siemMayStream } from "./harness";
import { streamRereadAt } from "./oracle";

const at = (hhmm: string): number => Date.parse(`2024-11-18T${hhmm}:00.000Z`);
const HORIZON = 2 * 3600_000;

describe("the oracle's SIEM stream contract (late events arrive with a re-read of their bucket)", () => {
  it("a late event is due at the first re-read of its 15-minute bucket after its publication", () => {
    // Bucket 04:45–05:00: re-read at 05:10, 05:30, 07:00 (1/12, 1/4 and all of a 2 h horizon).
    assert.equal(streamRereadAt(at("04:50"), at("05:05"), HORIZON), at("05:10"));
    assert.equal(streamRereadAt(at("04:50"), at("05:10"), HORIZON), at("05:10"));
    assert.equal(streamRereadAt(at("04:50"), at("05:11"), HORIZON), at("05:30"));
    assert.equal(streamRereadAt(at("04:50"), at("05:42"), HORIZON), at("07:00"));
    assert.equal(streamRereadAt(at("04:59"), at("07:01"), HORIZON), undefined);
  });

  it("states the same re-read ages the connector documents (a change to either must be deliberate)", () => {
    const bucketEnd = at("05:00");
    const rereads = sweepAges(HORIZON).map((age) => bucketEnd + age);
    const oracle = rereads.map((r) => streamRereadAt(at("04:45"), r, HORIZON));
    assert.deepEqual(oracle, rereads);
  });

  it("applies only when some SIEM type may be on the stream", () => {
    assert.equal(siemMayStream({}), true);
    assert.equal(siemMayStream({ MIMECAST_SIEM_PATH: "batch" }), false);
    assert.equal(siemMayStream({ MIMECAST_SIEM_PATH: "Batch" }), false);
    assert.equal(siemMayStream({ MIMECAST_SIEM_PATH: "batch,siem-cg:receipt=stream" }), true);
    assert.equal(siemMayStream({ MIMECAST_SIEM_PATH: "stream,siem-cg=batch" }), true);
    assert.equal(siemMayStream({ MIMECAST_SIEM_PATH: "batch,siem-ci=batch" }), false);
  });
});
