/**
 * HeldRow (issue 14): a waiting SIEM row kept as bytes must give back exactly what the ordinary item
 * held — the row, its EventId, the line as served, the source position — and be sent as the same JSON.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { siemCgFeed } from "../../src/feeds/siem";
import { mapRecord } from "../../src/feeds/mapping";
import { HeldRow, heldRow } from "../../src/ingest/heldRow";
import { streamFor } from "../../src/ingest/streams";
import { chunkBody, packChunks } from "../../src/sentinel/chunking";
import { prepareRow } from "../../src/sentinel/limits";
import { RowSlabs } from "../../src/sentinel/rowSlabs";

const stream = streamFor(siemCgFeed);

function line(i: number, subject: string): string {
  return JSON.stringify({
    _offset: 1000 + i,
    _partition: 0,
    accountId: "C0A0",
    subject,
    timestamp: 1731437527130 + i,
    type: "receipt",
  });
}

describe("HeldRow", () => {
  it("gives back the row, EventId, line and position the item held, and sends the same JSON", () => {
    const slabs = new RowSlabs();
    // Multi-byte subjects, and enough rows (~3 MB) to cross several slabs.
    const lines = Array.from({ length: 3000 }, (_, i) => line(i, `Réunion ${"€".repeat(i % 400)} 𝄞 ${i}`));
    const held: HeldRow[] = [];
    lines.forEach((text, i) => {
      const mapped = mapRecord(siemCgFeed, JSON.parse(text) as Record<string, unknown>, text);
      assert.equal(mapped.kind, "row");
      if (mapped.kind !== "row") return;
      const item = heldRow(i + 1, mapped, stream, slabs, text, "siem-cg receipt f.json.gz line ");
      assert.ok(item instanceof HeldRow);
      held.push(item);
      const expected = prepareRow(mapped.row, stream);
      assert.ok(expected.ok);
      assert.equal(item.json, expected.json);
      assert.equal(item.bytes, expected.bytes);
    });
    held.forEach((item, i) => {
      const mapped = mapRecord(siemCgFeed, JSON.parse(lines[i]!) as Record<string, unknown>, lines[i]);
      assert.ok(mapped.kind === "row");
      assert.deepStrictEqual(item.row, mapped.row);
      assert.equal(item.eventId, mapped.eventId);
      assert.equal(item.eventTime, mapped.eventTime);
      assert.equal(item.raw, lines[i]);
      assert.equal(item.sourcePosition, `siem-cg receipt f.json.gz line ${i + 1}`);
      assert.equal(item.mapped, item);
      assert.equal(item.prepared, item);
    });
    const body = Buffer.concat(
      packChunks(held.map((prepared, index) => ({ index, prepared }))).map(chunkBody),
    );
    assert.ok(body.length > 2_000_000);
    const expectedRows = held.map((item) => item.json);
    assert.equal(body.toString("utf8").replaceAll("][", ","), `[${expectedRows.join(",")}]`);
  });

  it("holds a row with a field cut to 64 KB as cut, and leaves one too large even then to the ordinary path", () => {
    const long = line(1, "x".repeat(100_000));
    const cut = mapRecord(siemCgFeed, JSON.parse(long) as Record<string, unknown>, long);
    assert.ok(cut.kind === "row");
    const item = heldRow(1, cut, stream, new RowSlabs(), long, "w ");
    assert.ok(item instanceof HeldRow);
    assert.deepEqual(item.truncatedFields, ["subject"]);
    assert.equal(item.row["Truncated"], true);
    assert.equal(item.raw, long);
    // Twenty fields of 60 KB each: no cut brings the row under 1 MB.
    const record = JSON.parse(line(2, "s")) as Record<string, unknown>;
    for (const column of siemCgFeed.columns.filter((c) => c.type === "string").slice(0, 20)) {
      record[column.from ?? column.name] = "y".repeat(60_000);
    }
    const huge = JSON.stringify(record);
    const mapped = mapRecord(siemCgFeed, record, huge);
    assert.ok(mapped.kind === "row");
    assert.equal(heldRow(2, mapped, stream, new RowSlabs(), huge, "w "), undefined);
  });
});
