import Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import type { SentinelRow, StreamColumnType } from "../sentinel/streams";
import type { ColumnSpec, FeedSpecBase } from "./types";
import { CanonicalDepthError } from "./eventId";
import { isoTime, parseMimecastTime } from "./time";

/** What one Mimecast record becomes: a row for the feed's table, or a dead-letter with the reason. */
export type MappedRecord =
  | {
      kind: "row";
      row: SentinelRow;
      eventTime: number;
      eventId: string;
      /**
       * Set when the mapper proved every value of `row` is of its column's type (the columns given):
       * the row then matches any stream declaring those columns and the common ones with those types,
       * and need not be checked value by value again (see `conformsTo` in ingest/segment.ts).
       */
      typedBy?: readonly ColumnSpec[];
    }
  | { kind: "dead-letter"; reason: string };

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(spec: FeedSpecBase): ValidateFunction {
  let validate = validators.get(spec.recordSchema);
  if (!validate) {
    validate = ajv.compile(spec.recordSchema);
    validators.set(spec.recordSchema, validate);
  }
  return validate;
}

/**
 * Maps one record to a row: declared columns (with their compatibility renames and conversions), the
 * common columns (TimeGenerated = EventTime = the event's own time, EventId) and `AdditionalFields`
 * holding every field no column declares — nothing is dropped silently.
 */
export function mapRecord(
  spec: FeedSpecBase,
  record: Readonly<Record<string, unknown>>,
  /** The text `record` was parsed from (`JSON.parse(line)`), when there is one: see FeedSpecBase.eventId. */
  line?: string,
): MappedRecord {
  const validate = validatorFor(spec);
  if (!validate(record)) {
    const reason = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || "record"} ${e.message ?? "is invalid"}`)
      .join("; ");
    return { kind: "dead-letter", reason: `schema: ${reason}` };
  }
  const eventTime = spec.eventTime(record);
  if (eventTime === undefined) {
    return {
      kind: "dead-letter",
      reason: `time: ${spec.timeField} ${JSON.stringify(record[spec.timeField] ?? null)} is not a readable time`,
    };
  }
  let eventId: string;
  try {
    eventId = line === undefined ? spec.eventId(record) : spec.eventId(record, line);
  } catch (error) {
    // A hostile record nested thousands deep (issue 11): one dead-letter, never a stuck unit.
    if (error instanceof CanonicalDepthError || error instanceof RangeError) {
      return { kind: "dead-letter", reason: `shape: ${error.message}` };
    }
    throw error;
  }
  const iso = isoTime(eventTime);
  const row = compiledMapperFor(spec.columns)(record, iso, eventId);
  // The plain 24-character ISO form is what the datetime check accepts (not `+010000-…` years).
  if (mapperState.typed && iso.length === 24 && typeof eventId === "string") {
    return { kind: "row", row, eventTime, eventId, typedBy: spec.columns };
  }
  return { kind: "row", row, eventTime, eventId };
}

/**
 * Written by the last compiled mapper call: false when some value may not be of its column's type (an
 * int outside 32 bits, a `dynamic` value that is not JSON). Synchronous use only, right after the call.
 */
const mapperState = { typed: true };

/** The declared columns (and AdditionalFields) of one record, after the common columns. */
type CompiledMapper = (
  record: Readonly<Record<string, unknown>>,
  iso: string,
  eventId: string,
) => SentinelRow;

const compiled = new WeakMap<readonly ColumnSpec[], CompiledMapper>();

function compiledMapperFor(columns: readonly ColumnSpec[]): CompiledMapper {
  let mapper = compiled.get(columns);
  if (!mapper) {
    mapper = compileMapper(columns);
    compiled.set(columns, mapper);
  }
  return mapper;
}

/**
 * Compiles a feed's column list, once, into one function that reads each source field at a constant
 * key, coerces it inline by type and stores it under its column name — what the generic loop did per
 * record with a path lookup, a converter closure and a keyed store per column (~7 µs for 59 columns).
 * Constant keys let V8 cache every access for the shape the feed's records share.
 *
 * Semantics (the reference mapper in test/feeds/mapping.compiled.test.ts is the oracle): a column's
 * value is `coerce(convert?.(raw, record) ?? raw)`; a raw value the column cannot hold (not undefined,
 * null or "") is kept in AdditionalFields under its source path; every top-level field no column reads
 * goes to AdditionalFields as it is.
 */
export function compileMapper(columns: readonly ColumnSpec[]): CompiledMapper {
  const converters: ColumnSpec["convert"][] = [];
  const consumed = new Set<string>();
  const lines: string[] = [];
  for (const column of columns) {
    const source = column.from ?? column.name;
    const path = source.split(".");
    if (path.length === 1) consumed.add(source);
    const read = [`v = r[${lit(path[0]!)}];`];
    for (const part of path.slice(1)) {
      read.push(`v = typeof v === "object" && v !== null ? v[${lit(part)}] : undefined;`);
    }
    let value = "v";
    if (column.convert) {
      converters.push(column.convert);
      value = `x`;
      read.push(`x = convert[${converters.length - 1}](v, r);`);
    }
    lines.push(
      ...read,
      `k = ${coercion(value, column.type)};`,
      ...typeProof(column.type),
      `if (k !== undefined) row[${lit(column.name)}] = k;`,
      `else if (v !== undefined && v !== null && v !== "") (add ??= {})[${lit(source)}] = v;`,
    );
  }
  const body = [
    `"use strict";`,
    `return function mapColumns(r, iso, eventId) {`,
    `  const row = { TimeGenerated: iso, EventTime: iso, EventId: eventId };`,
    `  let v, x, k, add;`,
    `  state.typed = true;`,
    ...lines.map((line) => `  ${line}`),
    `  const rest = remainder(r);`,
    `  for (let i = 0; i < rest.length; i += 1) {`,
    `    const f = rest[i];`,
    `    const value = r[f];`,
    `    if (value !== undefined) (add ??= {})[f] = value;`,
    `  }`,
    `  if (add !== undefined) row.AdditionalFields = add;`,
    `  return row;`,
    `};`,
  ].join("\n");
  // Generated from the feed's own declared column names only, each quoted by JSON.stringify.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function("convert", "coercers", "remainder", "state", "isJson", body) as (
    convert: readonly ColumnSpec["convert"][],
    coercers: typeof COERCERS,
    remainder: (record: Readonly<Record<string, unknown>>) => readonly string[],
    state: typeof mapperState,
    isJson: (value: unknown) => boolean,
  ) => CompiledMapper;
  return factory(converters, COERCERS, remainderOf(consumed), mapperState, isJsonValue);
}

/**
 * What the coercion of a column type does not guarantee by itself, checked on the coerced value `k`:
 * string, real, boolean, long and datetime coercions only ever yield values of their type; an int may
 * be any safe integer, and a `dynamic` value is whatever the record (or a converter) held.
 */
function typeProof(type: StreamColumnType): string[] {
  if (type === "int") {
    return [`if (k !== undefined && (k < -2147483648 || k > 2147483647)) state.typed = false;`];
  }
  if (type === "dynamic") return [`if (k !== undefined && !isJson(k)) state.typed = false;`];
  return [];
}

/** A value `JSON.stringify` writes as itself: finite numbers, strings, booleans, null, plain arrays and objects. */
function isJsonValue(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "string" || typeof value === "boolean" || value === null) return true;
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

const lit = (text: string): string => JSON.stringify(text);

/** Inline coercion of `value` to a column type: the common cases in place, the rest through COERCERS. */
function coercion(value: string, type: StreamColumnType): string {
  const slow = `(${value} === undefined || ${value} === null || ${value} === "" ? undefined : coercers.${type}(${value}))`;
  switch (type) {
    case "string":
      return `(typeof ${value} === "string" ? ${value} : ${value} === undefined || ${value} === null ? undefined : coercers.string(${value}))`;
    case "real":
      return `(typeof ${value} === "number" && Number.isFinite(${value}) ? ${value} : ${slow})`;
    case "boolean":
      return `(typeof ${value} === "boolean" ? ${value} : ${slow})`;
    default:
      return slow;
  }
}

/**
 * The record's fields no column reads, in the record's order. Records of a feed share a few shapes, so
 * the answer is remembered per key list (compared key by key, which is cheaper than a set lookup each).
 */
function remainderOf(
  consumed: ReadonlySet<string>,
): (record: Readonly<Record<string, unknown>>) => readonly string[] {
  const shapes: { keys: readonly string[]; rest: readonly string[] }[] = [];
  return (record) => {
    const keys = Object.keys(record);
    for (const shape of shapes) if (sameKeys(shape.keys, keys)) return shape.rest;
    const rest = keys.filter((key) => !consumed.has(key));
    shapes.unshift({ keys, rest });
    if (shapes.length > 16) shapes.pop();
    return rest;
  };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Mimecast is loose with types (`"numberAttachments":"0"`, `"taggedMalicious":"true"`); the DCR stream is
 * not. Converts what converts cleanly and returns undefined otherwise (the caller then keeps the raw
 * value in AdditionalFields).
 */
export function coerce(value: unknown, column: Pick<ColumnSpec, "name" | "type">): unknown {
  if (value === undefined || value === null || value === "")
    return value === "" && column.type === "string" ? "" : undefined;
  return COERCERS[column.type](value);
}

const COERCERS: Record<StreamColumnType, (value: unknown) => unknown> = {
  string: (v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
    return JSON.stringify(v);
  },
  int: (v) => toInteger(v),
  long: (v) => toInteger(v),
  real: (v) => {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
  },
  boolean: (v) => {
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "True" || v === 1 || v === "1") return true;
    if (v === "false" || v === "False" || v === 0 || v === "0") return false;
    return undefined;
  },
  datetime: (v) => {
    const ms = parseMimecastTime(v);
    return ms === undefined ? undefined : isoTime(ms);
  },
  dynamic: (v) => v,
};

function toInteger(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
