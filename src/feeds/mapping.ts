import Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import type { SentinelRow, StreamColumnType } from "../sentinel/streams";
import type { ColumnSpec, FeedSpecBase } from "./types";
import { parseMimecastTime } from "./time";

/** What one Mimecast record becomes: a row for the feed's table, or a dead-letter with the reason. */
export type MappedRecord =
  | { kind: "row"; row: SentinelRow; eventTime: number; eventId: string }
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
export function mapRecord(spec: FeedSpecBase, record: Readonly<Record<string, unknown>>): MappedRecord {
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
  const eventId = spec.eventId(record);
  const iso = new Date(eventTime).toISOString();
  const row: SentinelRow = { TimeGenerated: iso, EventTime: iso, EventId: eventId };
  const plan = planFor(spec);
  const additional: Record<string, unknown> = {};
  let hasAdditional = false;
  for (const column of plan.columns) {
    const raw = column.topLevel ? record[column.source] : readPath(record, column.source);
    const value = column.spec.convert ? column.spec.convert(raw, record) : raw;
    const coerced = coerce(value, column.spec);
    if (coerced !== undefined) {
      row[column.spec.name] = coerced;
    } else if (raw !== undefined && raw !== null && raw !== "") {
      // The typed column cannot hold it (e.g. "n/a" in a real column): keep it, under its own name.
      additional[column.source] = raw;
      hasAdditional = true;
    }
    // (null or "" in a declared column: nothing to keep)
  }
  // Every field a declared top-level column reads is accounted for above; the rest go along as they are.
  for (const field of Object.keys(record)) {
    const value = record[field];
    if (value !== undefined && !plan.consumed.has(field)) {
      additional[field] = value;
      hasAdditional = true;
    }
  }
  if (hasAdditional) row["AdditionalFields"] = additional;
  return { kind: "row", row, eventTime, eventId };
}

interface MappingPlan {
  columns: { spec: ColumnSpec; source: string; topLevel: boolean }[];
  /** Top-level record fields that declared columns read (never copied to AdditionalFields). */
  consumed: ReadonlySet<string>;
}

const plans = new WeakMap<readonly ColumnSpec[], MappingPlan>();

/** Per feed, once: where each column reads from (mapping runs once per record, millions of times). */
function planFor(spec: FeedSpecBase): MappingPlan {
  let plan = plans.get(spec.columns);
  if (!plan) {
    const columns = spec.columns.map((column) => {
      const source = column.from ?? column.name;
      return { spec: column, source, topLevel: !source.includes(".") };
    });
    plan = { columns, consumed: new Set(columns.filter((c) => c.topLevel).map((c) => c.source)) };
    plans.set(spec.columns, plan);
  }
  return plan;
}

function readPath(record: Readonly<Record<string, unknown>>, path: string): unknown {
  if (!path.includes(".")) return record[path];
  let current: unknown = record;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
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
    return ms === undefined ? undefined : new Date(ms).toISOString();
  },
  dynamic: (v) => v,
};

function toInteger(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
