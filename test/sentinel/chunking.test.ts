import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunkBody, packChunks } from "../../src/sentinel/chunking";
import { RowSlabs, SlabRow } from "../../src/sentinel/rowSlabs";
import type { SizedRow } from "../../src/sentinel/chunking";
import { MAX_REQUEST_BYTES } from "../../src/sentinel/limits";
import type { SentinelRow } from "../../src/sentinel/streams";

function sized(index: number, row: SentinelRow): SizedRow {
  const json = JSON.stringify(row);
  return { index, prepared: { ok: true, row, json, bytes: Buffer.byteLength(json), truncatedFields: [] } };
}

/** A row whose JSON is exactly `bytes` long: `{"i":N,"p":"xxx…"}`. */
function rowOfSize(index: number, bytes: number): SizedRow {
  const overhead = Buffer.byteLength(JSON.stringify({ i: index, p: "" }));
  return sized(index, { i: index, p: "x".repeat(bytes - overhead) });
}

/** Deterministic pseudo-random sizes (LCG), so the test is the same on every run. */
function sizes(count: number, seed: number, min: number, max: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return min + (state % (max - min));
  });
}

describe("packChunks", () => {
  it("keeps every request body within 1 MB and every row in its original order", () => {
    const rows = sizes(3000, 42, 50, 4000).map((bytes, index) => rowOfSize(index, bytes));
    const chunks = packChunks(rows);

    assert.ok(chunks.length > 3);
    for (const chunk of chunks) {
      const body = Buffer.byteLength(JSON.stringify(chunk.rows.map((r) => r.row)));
      assert.equal(chunk.bytes, body, "the computed size is the real body size");
      assert.ok(body <= MAX_REQUEST_BYTES, `chunk at ${chunk.firstIndex} is ${body} bytes`);
    }
    assert.deepEqual(
      chunks.flatMap((chunk) => chunk.rows.map((r) => r.row)),
      rows.map((r) => r.prepared.row),
    );
    let expectedFirst = 0;
    for (const chunk of chunks) {
      assert.equal(chunk.firstIndex, expectedFirst);
      expectedFirst += chunk.rows.length;
    }
  });

  it("fills a chunk up to exactly the limit and starts a new one a byte later", () => {
    // "[" + 499,998 + "," + 499,999 + "]" = 1,000,000 bytes.
    const a = rowOfSize(0, 499_998);
    assert.equal(packChunks([a, rowOfSize(1, 499_999)]).length, 1);
    assert.deepEqual(
      packChunks([a, rowOfSize(1, 500_000)]).map((c) => c.firstIndex),
      [0, 1],
    );
  });

  it("carries each row's own JSON, so the body is the rows serialised once, byte for byte", () => {
    const rows = sizes(2000, 7, 900, 1100).map((bytes, index) => rowOfSize(index, bytes));
    for (const chunk of packChunks(rows)) {
      const body = chunkBody(chunk);
      assert.equal(body.toString("utf8"), JSON.stringify(chunk.rows.map((r) => r.row)));
      assert.equal(body.length, chunk.bytes);
    }
  });

  it("builds the same body from rows held as bytes in slabs, across slab boundaries and in UTF-8", () => {
    const slabs = new RowSlabs();
    // ~2.4 MB of rows with multi-byte text: several slabs, rows landing at their ends.
    const rows = sizes(2400, 11, 500, 1500).map((bytes, index) => {
      const row = { i: index, t: "é€𝄞".repeat(Math.floor(bytes / 9)), n: null };
      return sized(index, row);
    });
    const held = rows.map(({ index, prepared }) => {
      const { slab, start, bytes } = slabs.place(prepared.json, "");
      assert.equal(bytes, prepared.bytes);
      return { index, prepared: new SlabRow(slab, start, bytes, prepared.truncatedFields) };
    });
    const plain = packChunks(rows);
    const fromSlabs = packChunks(held);
    assert.equal(fromSlabs.length, plain.length);
    fromSlabs.forEach((chunk, c) => {
      assert.deepEqual(chunkBody(chunk), chunkBody(plain[c]!));
      assert.deepEqual(
        chunk.rows.map((r) => r.row),
        plain[c]!.rows.map((r) => r.row),
      );
    });
  });

  it("starts a new chunk at a gap so each chunk is one contiguous range of the input", () => {
    const rows = [0, 1, 2, 4, 5, 9].map((index) => rowOfSize(index, 100));
    assert.deepEqual(
      packChunks(rows).map((c) => [c.firstIndex, c.rows.length]),
      [
        [0, 3],
        [4, 2],
        [9, 1],
      ],
    );
  });

  it("returns no chunks for no rows", () => {
    assert.deepEqual(packChunks([]), []);
  });
});
