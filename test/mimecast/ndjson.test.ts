import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseNdjson, splitLines } from "../../src/mimecast/ndjson";

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    await Promise.resolve();
    yield Buffer.from(p, "utf8");
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("NDJSON parsing", () => {
  it("splits lines across chunk boundaries and numbers them from 1", async () => {
    const lines = await collect(splitLines(chunks('{"a":1}\n{"b"', ":2}\r\n", '{"c":3}')));
    assert.deepEqual(lines, [
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '{"c":3}' },
    ]);
  });

  it("keeps multi-byte UTF-8 characters split across chunks intact", async () => {
    const bytes = Buffer.from('{"subject":"Grüße ✓"}\n', "utf8");
    async function* split(): AsyncGenerator<Buffer> {
      await Promise.resolve();
      yield bytes.subarray(0, 16);
      yield bytes.subarray(16);
    }
    const [item] = await collect(parseNdjson(split()));
    assert.deepEqual(item, {
      kind: "record",
      line: 1,
      record: { subject: "Grüße ✓" },
      text: '{"subject":"Grüße ✓"}',
    });
  });

  it("turns malformed lines into bad-line items with the raw text and keeps going", async () => {
    const items = await collect(parseNdjson(chunks('{"ok":1}\n{"timestamp":17314\n[1,2]\n\n{"ok":2}\n')));
    assert.deepEqual(
      items.map((i) => [i.kind, i.line]),
      [
        ["record", 1],
        ["bad-line", 2],
        ["bad-line", 3],
        ["record", 5],
      ],
    );
    const bad = items[1];
    assert.ok(bad && bad.kind === "bad-line");
    assert.equal(bad.raw, '{"timestamp":17314');
    assert.match(bad.reason, /invalid JSON/);
  });

  it("resumes mid-file from a line number", async () => {
    const items = await collect(parseNdjson(chunks('{"n":1}\n{"n":2}\n{"n":3}\n'), { startLine: 3 }));
    assert.deepEqual(items, [{ kind: "record", line: 3, record: { n: 3 }, text: '{"n":3}' }]);
  });
});
