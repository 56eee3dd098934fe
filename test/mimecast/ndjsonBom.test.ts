/** A UTF-8 byte-order mark at the start of a batch file is not part of line 1's JSON. */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import type { NdjsonItem } from "../../src/mimecast/ndjson";
import { parseNdjson } from "../../src/mimecast/ndjson";

async function items(chunks: Buffer[]): Promise<NdjsonItem[]> {
  const out: NdjsonItem[] = [];
  for await (const item of parseNdjson(Readable.from(chunks))) out.push(item);
  return out;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe("UTF-8 BOM", () => {
  it("line 1 after a BOM is a record, not a bad line", async () => {
    const got = await items([Buffer.concat([BOM, Buffer.from('{"a":1}\n{"a":2}\n')])]);
    assert.deepEqual(got, [
      { kind: "record", line: 1, record: { a: 1 }, text: '{"a":1}' },
      { kind: "record", line: 2, record: { a: 2 }, text: '{"a":2}' },
    ]);
  });

  it("a BOM split across chunks, and a one-line file without a newline, are handled too", async () => {
    const got = await items([BOM.subarray(0, 2), Buffer.concat([BOM.subarray(2), Buffer.from('{"a":1}')])]);
    assert.deepEqual(got, [{ kind: "record", line: 1, record: { a: 1 }, text: '{"a":1}' }]);
  });

  it("a BOM-like character inside a later line is data, left alone", async () => {
    const got = await items([Buffer.from('{"a":1}\n\uFEFF{"a":2}\n')]);
    assert.equal(got[1]?.kind, "bad-line");
  });
});
