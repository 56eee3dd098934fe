import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
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

describe("README lists every feed's Mimecast permission", () => {
  it("the permissions table matches the feed specs (regenerate it when a feed changes)", () => {
    const readme = readFileSync(resolve(__dirname, "../../../README.md"), "utf8");
    const table = readme.slice(
      readme.indexOf("<!-- permissions:start -->"),
      readme.indexOf("<!-- permissions:end -->"),
    );
    for (const feed of FEEDS) {
      assert.ok(
        table.includes(`\`${feed.id}\``) && table.includes(feed.permission),
        `${feed.id}: ${feed.permission}`,
      );
    }
  });
});
