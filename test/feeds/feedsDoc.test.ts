import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";

const doc = readFileSync(resolve(__dirname, "../../../docs/feeds.md"), "utf8");

describe("docs/feeds.md", () => {
  it("has one section per registered feed, naming its table, permission and cursor kind", () => {
    for (const feed of FEEDS) {
      const start = doc.indexOf(`## \`${feed.id}\``);
      assert.ok(start >= 0, `no section for ${feed.id}`);
      const section = doc.slice(start, doc.indexOf("\n## ", start + 3));
      assert.ok(section.includes(`\`${feed.defaultTable}\``), `${feed.id}: table`);
      assert.ok(section.includes(feed.permission), `${feed.id}: permission`);
      assert.ok(section.includes(`\`${feed.window.kind}\``), `${feed.id}: cursor kind ${feed.window.kind}`);
    }
  });
});
