import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEED_IDS } from "../../src/config/feedIds";
import { FEEDS } from "../../src/feeds/index";
import { allTableStreams } from "../../src/ingest/streams";

describe("feed registry", () => {
  it("registers exactly the feed ids the configuration accepts, in the same order", () => {
    assert.deepEqual(
      FEEDS.map((f) => f.id),
      [...FEED_IDS],
    );
  });

  it("lists a table shared by several feeds once (siem-v1 with siem-cg, both threat-intel feeds)", () => {
    const tables = allTableStreams(FEEDS).map((t) => t.table);
    assert.equal(new Set(tables).size, tables.length);
    assert.ok(tables.includes("MimecastThreatIntel_CL") && tables.includes("MimecastSnapshots_CL"));
  });
});
