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
import {
  SIEM_BATCH_ONLY_FIELDS,
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
function flatten(g: Generated, order: "sorted" | "reversed" | "as-generated"): Record<string, unknown> {
  const fields: [string, unknown][] = [
    ...Object.entries(g.extra),
    ["type", g.type],
    ["timestamp", g.timestamp],
  ];
  if (order === "sorted") fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
