/**
 * EventId properties over generated SIEM-like records (fast-check, fixed seed): the canonical writer's
 * native fast path (records whose keys already come sorted) and its hand path write the definition's
 * form, with or without the batch-only fields; the EventId does not depend on key order, on the route
 * (batch line with `_offset`/`_partition`, stream event without), or on a page being re-served; and
 * distinct records get distinct ids.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { xxh3 } from "@node-rs/xxhash";
import {
  SIEM_BATCH_ONLY_FIELDS,
  canonicalFromLine,
  canonicalJson,
  canonicalJsonByHand,
  siemRecordEventId,
} from "../../src/feeds/eventId";

const SEED = 14_2026;

/** JSON values as a parsed line holds them, nested a few levels. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: "binary", maxLength: 12 }),
    // What escaping must handle: quotes, backslashes, controls, lone and paired surrogates, non-ASCII.
    fc.string({
      unit: fc.constantFrom("a", '"', "\\", "\n", "\u0001", "\u001f", "/", "é", "\ud800", "😀", "\u2028"),
      maxLength: 6,
    }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** A SIEM record: a few fixed fields, any others, optionally the batch-only Kafka position. */
const siemRecord = fc.record(
  {
    _offset: fc.integer({ min: 0 }),
    _partition: fc.integer({ min: 0, max: 63 }),
    type: fc.constantFrom("receipt", "process", "delivery"),
    timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
    extra: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 8 }),
  },
  { requiredKeys: ["type", "timestamp", "extra"] },
);

type Generated = { _offset?: number; _partition?: number; type: string; timestamp: number; extra: object };

/** The record as a batch line would parse (Kafka position first, then fields in `order`). */
function flatten(
  g: Generated,
  order: "sorted" | "sorted-top" | "reversed" | "as-generated",
): Record<string, unknown> {
  const fields: [string, unknown][] = [
    ...Object.entries(g.extra),
    ["type", g.type],
    ["timestamp", g.timestamp],
  ];
  if (order === "sorted" || order === "sorted-top") fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (order === "reversed") fields.reverse();
  const out: Record<string, unknown> = {};
  if (g._offset !== undefined) out["_offset"] = g._offset;
  if (g._partition !== undefined) out["_partition"] = g._partition;
  for (const [k, v] of fields) if (!(k in out)) out[k] = order === "sorted" ? sortedDeep(v) : v;
  return out;
}

/** The same value with every nested object's keys inserted in sorted order (the native path's input). */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedDeep((value as Record<string, unknown>)[key]);
  return out;
}

/** The stream's form of a batch record: no batch-only fields (an independent copy, built by hand). */
function withoutBatchFields(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (k !== "_offset" && k !== "_partition") out[k] = v;
  return out;
}

describe("EventId properties (fast-check)", () => {
  it("canonical JSON equals its definition on both paths, with and without the omitted fields", () => {
    fc.assert(
      fc.property(siemRecord, fc.constantFrom("sorted", "reversed", "as-generated"), (g, order) => {
        const record = flatten(g, order);
        assert.equal(canonicalJson(record), canonicalJsonByHand(record));
        assert.equal(
          canonicalJson(record, undefined, SIEM_BATCH_ONLY_FIELDS),
          canonicalJsonByHand(withoutBatchFields(record)),
        );
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it("is the same however the record arrives: key order, batch file or stream, a re-served page", () => {
    fc.assert(
      fc.property(siemRecord, fc.constantFrom("cg", "ci"), (g, kind: "cg" | "ci") => {
        const batch = flatten(g, "as-generated");
        const id = siemRecordEventId(kind, batch);
        assert.equal(siemRecordEventId(kind, flatten(g, "sorted")), id);
        assert.equal(siemRecordEventId(kind, flatten(g, "reversed")), id);
        assert.equal(siemRecordEventId(kind, withoutBatchFields(batch)), id);
        assert.equal(siemRecordEventId(kind, JSON.parse(JSON.stringify(batch)) as typeof batch), id);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("differs for distinct records (by their canonical form, the definition)", () => {
    fc.assert(
      fc.property(siemRecord, siemRecord, fc.boolean(), (a, b, sorted) => {
        const ra = flatten(a, sorted ? "sorted" : "as-generated");
        const rb = flatten(b, "as-generated");
        const same =
          canonicalJsonByHand(withoutBatchFields(ra)) === canonicalJsonByHand(withoutBatchFields(rb));
        assert.equal(siemRecordEventId("cg", ra) === siemRecordEventId("cg", rb), same);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });
});

/**
 * How a served line may spell a record: `JSON.stringify`'s own text, or the same JSON with whitespace,
 * escapes it does not write, numbers it would write otherwise, a duplicate key. Written by hand here,
 * independently of the code under test.
 */
interface Spelling {
  space: boolean;
  /** Escape every non-ASCII character (`\u00e9`). */
  escapeUnicode: boolean;
  /** Escape "/" (`\/`). */
  escapeSlash: boolean;
  /** Write lone surrogates raw, not as `\ud800` (JSON.parse takes both). */
  rawSurrogates: boolean;
  /** Integers as `n.0`, or as `ne0`. */
  numbers: "as-is" | "dot-zero" | "exponent";
  /** The first top-level member again at the end (JSON.parse keeps one). */
  duplicate: boolean;
}

function spell(value: unknown, how: Spelling): string {
  const sp = how.space ? " " : "";
  if (typeof value === "string") {
    let text = JSON.stringify(value);
    // A lone surrogate's escape (a backslash after an even run of them) written as the raw character.
    if (how.rawSurrogates)
      text = text.replace(
        /(?<!\\)((?:\\\\)*)\\u(d[89a-f][0-9a-f]{2})/g,
        (_, run: string, hex: string) => run + String.fromCharCode(parseInt(hex, 16)),
      );
    if (how.escapeSlash) text = text.replace(/\//g, "\\/");
    if (how.escapeUnicode)
      text = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    return text;
  }
  if (typeof value === "number") {
    const text = JSON.stringify(value);
    if (!Number.isSafeInteger(value) || how.numbers === "as-is") return text;
    return how.numbers === "dot-zero" ? `${text}.0` : `${text}e0`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => spell(v, how)).join(`,${sp}`)}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).map(([k, v]) => `${spell(k, how)}:${sp}${spell(v, how)}`);
    return `{${sp}${members.join(`,${sp}`)}${sp}}`;
  }
  return JSON.stringify(value);
}

/** The v2 EventId by its definition: xxHash3-128 of the feed, NUL, the canonical JSON without the batch fields. */
function definitionId(kind: "cg" | "ci", record: Record<string, unknown>): string {
  const text = `siem-${kind}\u0000${canonicalJsonByHand(withoutBatchFields(record))}`;
  return xxh3.xxh128(text).toString(16).padStart(32, "0");
}

const spelling = fc.record({
  space: fc.boolean(),
  escapeUnicode: fc.boolean(),
  escapeSlash: fc.boolean(),
  rawSurrogates: fc.boolean(),
  numbers: fc.constantFrom("as-is" as const, "dot-zero" as const, "exponent" as const),
  duplicate: fc.boolean(),
});

describe("EventId from the batch line itself (fast-check)", () => {
  it("is the v2 id of the parsed record, whatever the line's spelling; the line is used only when it is canonical", () => {
    let fromLine = 0;
    let canonicalLines = 0;
    fc.assert(
      fc.property(
        siemRecord,
        // sorted-top: nested objects keep the generated order.
        fc.constantFrom("sorted", "sorted-top", "reversed", "as-generated"),
        spelling,
        fc.constantFrom("cg", "ci"),
        (g, order, how, kind: "cg" | "ci") => {
          const record = flatten(g, order);
          let line = spell(record, how);
          const first = Object.keys(record)[0];
          if (how.duplicate && first !== undefined) {
            line = `${line.slice(0, -1)},${spell(first, how)}:${spell(record[first], how)}}`;
          }
          const parsed = JSON.parse(line) as Record<string, unknown>;
          const id = siemRecordEventId(kind, parsed, line);
          assert.equal(id, definitionId(kind, parsed));
          assert.equal(id, siemRecordEventId(kind, parsed), "same as without the line");
          assert.equal(id, siemRecordEventId(kind, withoutBatchFields(parsed)), "same as the stream's copy");
          const text = canonicalFromLine(parsed, line, SIEM_BATCH_ONLY_FIELDS);
          if (text !== undefined) {
            fromLine += 1;
            assert.equal(text, canonicalJsonByHand(withoutBatchFields(parsed)));
            assert.equal(line, JSON.stringify(parsed), "only a line that is the record's own JSON is used");
          }
          if (line === JSON.stringify(parsed) && order === "sorted") canonicalLines += 1;
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
    // The fast path is exercised, not only the fallback (deterministic: fixed seed).
    assert.ok(
      fromLine > 0 && fromLine >= canonicalLines / 4,
      `${fromLine} of ${canonicalLines} canonical lines`,
    );
  });

  it("falls back to the writer for lines that are not the canonical text, with the same id", () => {
    const canonical =
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt"}';
    const variants = [
      '{"_offset":123457, "_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"subject":"a/b é","accountId":"C1","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a\\/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b \\u00e9","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b \ud800","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C\\u0031","subject":"a/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3.0,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","x":1e3}',
      '{"_offset":1234.57e2,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","n":1e2,"subject":"a/b é","timestamp":1731437527137,"type":"receipt"}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","z":-0}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","z":{"b":1,"a":2}}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","z":{"b":1,"1":2}}',
      '{"_offset":123457,"_partition":3,"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","1":2}',
      '{"accountId":"C1","subject":"a/b é","timestamp":1731437527137,"type":"receipt","1":2}',
    ];
    const parsed = JSON.parse(canonical) as Record<string, unknown>;
    assert.ok(
      canonicalFromLine(parsed, canonical, SIEM_BATCH_ONLY_FIELDS) !== undefined,
      "the canonical line is used",
    );
    for (const line of variants) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.equal(canonicalFromLine(record, line, SIEM_BATCH_ONLY_FIELDS), undefined, line);
      assert.equal(siemRecordEventId("cg", record, line), definitionId("cg", record), line);
    }
  });
});
