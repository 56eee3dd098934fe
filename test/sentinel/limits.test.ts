import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_FIELD_BYTES, fitsUncut, prepareRow, truncateUtf8 } from "../../src/sentinel/limits";
import { validateRow } from "../../src/sentinel/rowValidation";
import type { StreamSchema } from "../../src/sentinel/streams";
import { TEST_STREAM, makeRows } from "./helpers";

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");

function firstRow(): Record<string, unknown> {
  const [row] = makeRows(1);
  return row!;
}

describe("prepareRow", () => {
  it("returns a row within limits unchanged, as the same object", () => {
    const row = firstRow();
    const prepared = prepareRow(row, TEST_STREAM);
    assert.ok(prepared.ok);
    assert.equal(prepared.row, row);
    assert.deepEqual(prepared.truncatedFields, []);
    assert.equal(prepared.bytes, utf8(JSON.stringify(row)));
  });

  it("cuts a 100 KB field to 64 KB and flags the row, leaving the input alone", () => {
    const row = { ...firstRow(), Subject: "a".repeat(100 * 1024) };
    const prepared = prepareRow(row, TEST_STREAM);

    assert.ok(prepared.ok);
    assert.equal(utf8(prepared.row["Subject"] as string), MAX_FIELD_BYTES);
    assert.equal(prepared.row["Truncated"], true);
    assert.equal(prepared.row["TruncatedFields"], "Subject");
    assert.deepEqual(prepared.truncatedFields, ["Subject"]);
    assert.equal(row.Subject.length, 100 * 1024, "input not modified");
    assert.equal("Truncated" in row, false);
    assert.deepEqual(validateRow(prepared.row, TEST_STREAM), []);
  });

  it("never cuts a multi-byte character in half", () => {
    // "é" is 2 bytes and "😀" 4: with a 1-byte prefix, 64 KB falls inside a character.
    const row = { ...firstRow(), Subject: "x" + "é".repeat(40_000), EventId: "x" + "😀".repeat(20_000) };
    const prepared = prepareRow(row, TEST_STREAM);

    assert.ok(prepared.ok);
    for (const field of ["Subject", "EventId"]) {
      const value = prepared.row[field] as string;
      assert.ok(utf8(value) <= MAX_FIELD_BYTES && utf8(value) > MAX_FIELD_BYTES - 4);
      assert.ok(!value.includes("\uFFFD"), `${field} has no replacement character`);
    }
    assert.equal(prepared.row["TruncatedFields"], "EventId,Subject", "in the row's field order");
  });

  it("replaces a dynamic value above 64 KB with its JSON text cut to fit", () => {
    const details = { recipients: Array.from({ length: 5000 }, (_, i) => `recipient-${i}@example.com`) };
    const prepared = prepareRow({ ...firstRow(), Details: details }, TEST_STREAM);

    assert.ok(prepared.ok);
    const cut = prepared.row["Details"];
    assert.equal(typeof cut, "string");
    assert.ok(JSON.stringify(details).startsWith(cut as string));
    assert.ok(utf8(cut as string) <= MAX_FIELD_BYTES);
    assert.equal(prepared.row["TruncatedFields"], "Details");
  });

  it("changes nothing when run twice, and keeps field names flagged earlier", () => {
    const once = prepareRow({ ...firstRow(), Subject: "a".repeat(70_000) }, TEST_STREAM);
    assert.ok(once.ok);
    const twice = prepareRow(once.row, TEST_STREAM);
    assert.ok(twice.ok);
    assert.equal(twice.row, once.row);

    const again = prepareRow({ ...once.row, EventId: "e".repeat(70_000) }, TEST_STREAM);
    assert.ok(again.ok);
    assert.equal(again.row["TruncatedFields"], "Subject,EventId");
  });

  it("rejects a row that is still above 1 MB after truncation, with the reason", () => {
    const stream: StreamSchema = {
      streamName: "Custom-Wide_CL",
      columns: Array.from({ length: 20 }, (_, i) => ({ name: `F${i}`, type: "string" as const })),
    };
    const row = Object.fromEntries(stream.columns.map((c) => [c.name, "w".repeat(60_000)]));
    const prepared = prepareRow(row, stream);

    assert.equal(prepared.ok, false);
    assert.ok(!prepared.ok && /1000000/.test(prepared.reason));
    assert.ok(prepared.bytes > 1_000_000);
  });

  it("does not add flag columns a stream does not declare", () => {
    const stream: StreamSchema = {
      streamName: "Custom-Plain_CL",
      columns: [{ name: "Text", type: "string" }],
    };
    const prepared = prepareRow({ Text: "t".repeat(70_000) }, stream);

    assert.ok(prepared.ok);
    assert.deepEqual(Object.keys(prepared.row), ["Text"]);
    assert.deepEqual(prepared.truncatedFields, ["Text"]);
    assert.deepEqual(validateRow(prepared.row, stream), []);
  });
});

describe("truncateUtf8", () => {
  it("returns the text itself when it fits", () => {
    assert.equal(truncateUtf8("héllo", 6), "héllo");
  });

  it("backs off to the start of a character", () => {
    assert.equal(truncateUtf8("aé", 2), "a");
    assert.equal(truncateUtf8("a😀b", 4), "a");
    assert.equal(truncateUtf8("a😀b", 5), "a😀");
  });

  it("says a row fits uncut only when prepareRow leaves it whole and sendable (fitsUncut)", () => {
    // Lengths around the bound, in one-, two-, three- and four-byte characters.
    for (const unit of ["a", "é", "€", "𝄞"]) {
      for (const target of [
        MAX_FIELD_BYTES / 3 - 40,
        MAX_FIELD_BYTES / 3,
        MAX_FIELD_BYTES / 2,
        MAX_FIELD_BYTES,
      ]) {
        const row = { ...firstRow(), Subject: unit.repeat(Math.floor(target / unit.length)) };
        const json = JSON.stringify(row);
        const prepared = prepareRow(row, TEST_STREAM);
        if (fitsUncut(json)) {
          assert.ok(prepared.ok, `${unit} × ${target}`);
          assert.equal(prepared.json, json);
          assert.deepEqual(prepared.truncatedFields, []);
          assert.ok(Buffer.byteLength(json) <= MAX_FIELD_BYTES);
        }
      }
    }
    assert.equal(fitsUncut("x".repeat(MAX_FIELD_BYTES / 3 + 1)), false);
  });
});
