/**
 * The compiled column mapper (issue 14) must write exactly the rows the generic mapper it replaced
 * wrote. That mapper is kept here, verbatim in behaviour, as the oracle, and both run over seeded records:
 * the simulator's own records of every feed and, for every column of every feed, values of every kind
 * Mimecast has been seen to send (numbers as strings, "n/a", empty, null, objects, arrays).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { coerce, mapRecord } from "../../src/feeds/mapping";
import type { FeedSpec, FeedSpecBase } from "../../src/feeds/types";
import { streamFor } from "../../src/ingest/streams";
import { conformsTo } from "../../src/ingest/segment";
import { validateRow } from "../../src/sentinel/rowValidation";
import type { SentinelRow } from "../../src/sentinel/streams";
import type { FeedKey, Simulator } from "../../simulator/index";
import { startSimulator } from "../../simulator/index";
import { Rng } from "../../simulator/core/random";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const DAY = 86_400_000;

/** The mapper before issue 14: a path lookup, a converter call and a keyed store per column per record. */
function referenceColumns(spec: FeedSpecBase, record: Readonly<Record<string, unknown>>): SentinelRow {
  const row: SentinelRow = {};
  const additional: Record<string, unknown> = {};
  let hasAdditional = false;
  const consumed = new Set<string>();
  for (const column of spec.columns) {
    const source = column.from ?? column.name;
    if (!source.includes(".")) consumed.add(source);
    let raw: unknown = record;
    for (const part of source.split(".")) {
      raw = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[part] : undefined;
    }
    const value = column.convert ? column.convert(raw, record) : raw;
    const coerced = coerce(value, column);
    if (coerced !== undefined) {
      row[column.name] = coerced;
    } else if (raw !== undefined && raw !== null && raw !== "") {
      additional[source] = raw;
      hasAdditional = true;
    }
  }
  for (const field of Object.keys(record)) {
    const value = record[field];
    if (value !== undefined && !consumed.has(field)) {
      additional[field] = value;
      hasAdditional = true;
    }
  }
  if (hasAdditional) row["AdditionalFields"] = additional;
  return row;
}

/** What mapRecord wrote besides the common columns, or undefined for a dead-letter. */
function compiledColumns(spec: FeedSpecBase, record: Record<string, unknown>): SentinelRow | undefined {
  const mapped = mapRecord(spec, record);
  if (mapped.kind !== "row") return undefined;
  const { TimeGenerated, EventTime, EventId, ...columns } = mapped.row;
  assert.equal(TimeGenerated, new Date(mapped.eventTime).toISOString());
  assert.equal(EventTime, TimeGenerated);
  assert.equal(EventId, spec.eventId(record));
  // A row the mapper calls typed must pass the value-by-value check it then skips (issue 14).
  if (mapped.typedBy !== undefined) {
    typedRows += 1;
    assert.equal(mapped.typedBy, spec.columns);
    assert.deepStrictEqual(
      validateRow(mapped.row, streamFor(spec)),
      [],
      `${spec.id}: typed row fails the check`,
    );
  } else {
    untypedRows += 1;
  }
  return columns;
}

let typedRows = 0;
let untypedRows = 0;

/** Seeded (mulberry32, the simulator's), so the values are the same on every run. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

const ODD_VALUES: readonly unknown[] = [
  "n/a",
  "",
  null,
  undefined,
  0,
  -3,
  1.5,
  2 ** 40,
  "12",
  " 7 ",
  "1.25",
  "true",
  "False",
  true,
  "2024-11-18T10:12:13+0000",
  "20241118T101213+0000",
  1731437527130,
  { nested: { a: 1 } },
  ["x", 2],
  "email_receipt",
  "receipt",
];

/** Sets `path` (dotted) in a copy of `record` to `value` (undefined deletes it). */
function withValue(record: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(record);
  const parts = path.split(".");
  let target: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    const inner = target[part];
    target[part] = typeof inner === "object" && inner !== null ? inner : {};
    target = target[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ seed: 14, clock: { now: () => NOW }, rateLimit: false });
});
after(() => sim.close());

/** Records as the API serves them, where the simulator has them raw (JSON, SIEM and 1.0 records). */
function servedRecords(feed: FeedSpec, count: number): Record<string, unknown>[] {
  if (feed.source === "snapshot" || feed.source === "threat-intel") return [];
  const out: Record<string, unknown>[] = [];
  for (const event of sim.groundTruth(feed.id as FeedKey, { from: NOW - 2 * DAY, to: NOW - DAY })) {
    const record = event.record;
    out.push(
      feed.source === "siem-v1" ? feed.normalise(record, `${event.type ?? ""}_20261120.json`) : record,
    );
    if (out.length >= count) break;
  }
  return out;
}

/** A record every column of the feed reads from, with the time field readable. */
function syntheticRecord(feed: FeedSpec, next: () => number): Record<string, unknown> {
  let record: Record<string, unknown> = { [feed.timeField]: "2024-11-18T10:12:13+0000" };
  if (feed.source === "siem-batch" || feed.source === "siem-v1") {
    record = { timestamp: 1731437527130, type: "receipt" };
  }
  for (const column of feed.columns) {
    const source = column.from ?? column.name;
    if (source === feed.timeField || source === "type") continue;
    record = withValue(record, source, ODD_VALUES[Math.floor(next() * ODD_VALUES.length)]);
  }
  record["undeclaredField"] = { kept: true };
  return record;
}

describe("compiled column mapper", () => {
  it("writes what the reference mapper writes for every feed's served records", () => {
    let compared = 0;
    for (const feed of FEEDS) {
      for (const record of servedRecords(feed, 60)) {
        const columns = compiledColumns(feed, record);
        if (columns === undefined) continue;
        assert.deepStrictEqual(columns, referenceColumns(feed, record), `${feed.id}`);
        compared += 1;
      }
    }
    assert.ok(compared > 300, `${compared} records compared`);
  });

  it("writes what the reference mapper writes for odd values in every column of every feed", () => {
    const next = prng(1114);
    let compared = 0;
    for (const feed of FEEDS) {
      const served = servedRecords(feed, 5);
      for (let i = 0; i < 40; i += 1) {
        const base =
          served.length > 0 && i % 2 === 0 ? served[i % served.length]! : syntheticRecord(feed, next);
        // One odd value in one column, then a record where every column got one.
        const column = feed.columns[Math.floor(next() * feed.columns.length)]!;
        const odd = ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
        for (const record of [
          withValue(base, column.from ?? column.name, odd),
          syntheticRecord(feed, next),
        ]) {
          const columns = compiledColumns(feed, record);
          if (columns === undefined) continue;
          assert.deepStrictEqual(columns, referenceColumns(feed, record), `${feed.id} ${column.name}`);
          compared += 1;
        }
      }
    }
    assert.ok(compared > 500, `${compared} records compared`);
  });

  it("is compiled once per feed and keeps up with records of changing shape", () => {
    const feed = FEEDS.find((f) => f.id === "siem-cg")!;
    const record = servedRecords(feed, 1)[0]!;
    // 20 shapes (more than the remembered 16), in turns: every answer still matches the reference.
    for (let round = 0; round < 3; round += 1) {
      for (let extra = 0; extra < 20; extra += 1) {
        const shaped = { ...record, [`extra${extra}`]: extra, ...(extra % 2 ? { action: "Hld" } : {}) };
        assert.deepStrictEqual(compiledColumns(feed, shaped), referenceColumns(feed, shaped));
      }
    }
  });

  it("proves rows typed only when every value is of its column's type", () => {
    // Every odd value above went through the proof: typed rows were checked clean, and some were not typed.
    assert.ok(typedRows > 300 && untypedRows > 0, `${typedRows} typed, ${untypedRows} not`);
    const feed = FEEDS.find(
      (f) => f.columns.some((c) => c.type === "int") && servedRecords(f, 1).length > 0,
    )!;
    const int = feed.columns.find((c) => c.type === "int")!;
    const base = servedRecords(feed, 1)[0]!;
    for (const [value, typed] of [
      [2 ** 31, false],
      [-(2 ** 31) - 1, false],
      [2 ** 31 - 1, true],
      ["42", true],
    ] as const) {
      const record = withValue(base, int.from ?? int.name, value);
      const mapped = mapRecord(feed, record);
      assert.equal(mapped.kind, "row");
      if (mapped.kind !== "row") continue;
      assert.equal(mapped.typedBy !== undefined, typed, `${feed.id}.${int.name} = ${value}`);
      if (!typed) assert.ok(validateRow(mapped.row, streamFor(feed)).length > 0);
    }
  });

  it("trusts a typed row only on a stream declaring its columns with the same types", () => {
    const feed = FEEDS.find((f) => f.id === "siem-cg")!;
    const stream = streamFor(feed);
    assert.equal(conformsTo(stream, feed.columns), true);
    const retyped = {
      ...stream,
      columns: stream.columns.map((c) => (c.name === "subject" ? { ...c, type: "int" as const } : c)),
    };
    assert.equal(conformsTo(retyped, feed.columns), false);
    const missing = { ...stream, columns: stream.columns.filter((c) => c.name !== "subject") };
    assert.equal(conformsTo(missing, feed.columns), false);
    const noEventTime = { ...stream, columns: stream.columns.filter((c) => c.name !== "EventTime") };
    assert.equal(conformsTo(noEventTime, feed.columns), false);
  });
});
