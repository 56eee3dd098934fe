import type { SentinelRow, StreamColumnType, StreamSchema } from "./streams";

/**
 * "Does this row match the stream?" — one answer shared by the local sink and the Logs Ingestion fake,
 * so a row the local run writes is a row the tests' service accepts. The real service is more lenient
 * (it drops undeclared fields and nulls values it cannot convert); being strict here finds mapping bugs
 * before they become silently empty columns.
 *
 * Messages name the field and the expected type, never the value (rows may hold personal data).
 */
export function validateRow(row: unknown, stream: StreamSchema): string[] {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    return [`record is ${describe(row)}, not an object`];
  }
  const columns = columnTypes(stream);
  const problems: string[] = [];
  const record = row as SentinelRow;
  // Object.keys rather than entries: this runs for every row, and skipping the pair arrays shows.
  for (const field of Object.keys(record)) {
    const value = record[field];
    // TimeGenerated exists in every table: a stream need not declare it, but it must hold a time.
    const type = columns.get(field) ?? (field === "TimeGenerated" ? "datetime" : undefined);
    if (type === undefined) {
      problems.push(`field "${field}" is not declared in stream ${stream.streamName}`);
      continue;
    }
    if (value === null || value === undefined || acceptsFast(type, value)) continue;
    const expected = TYPE_CHECKS[type];
    if (!expected.accepts(value)) {
      problems.push(
        `field "${field}" must be ${type} (${expected.description}), got ${describe(value, type)}`,
      );
    }
  }
  return problems;
}

/**
 * The answers for the values nearly every row holds, decided inline (this runs once per row sent, and a
 * call through TYPE_CHECKS per field showed in profiles); anything else takes TYPE_CHECKS. The datetime
 * columns of one row (TimeGenerated, EventTime) are usually the same string: checked once.
 */
function acceptsFast(type: StreamColumnType, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "real":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "datetime":
      if (value === lastDatetime) return true;
      if (typeof value === "string" && TYPE_CHECKS.datetime.accepts(value)) {
        lastDatetime = value;
        return true;
      }
      return false;
    default:
      return false;
  }
}
let lastDatetime: string | undefined;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Date, or date and time with optional seconds, fraction and offset (ISO 8601 / RFC 3339). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const TYPE_CHECKS: Record<StreamColumnType, { accepts(value: unknown): boolean; description: string }> = {
  string: { accepts: (v) => typeof v === "string", description: "a string" },
  int: {
    accepts: (v) => Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX,
    description: "a 32-bit integer",
  },
  // JSON numbers beyond 2^53 lose precision on the way, so a long must be a safe integer.
  long: { accepts: (v) => Number.isSafeInteger(v), description: "an integer within ±2^53" },
  real: { accepts: (v) => typeof v === "number" && Number.isFinite(v), description: "a finite number" },
  boolean: { accepts: (v) => typeof v === "boolean", description: "true or false" },
  datetime: {
    accepts: (v) =>
      v instanceof Date
        ? !Number.isNaN(v.getTime())
        : typeof v === "string" && ISO_8601.test(v) && !Number.isNaN(Date.parse(v)),
    description: "an ISO 8601 date-time",
  },
  dynamic: { accepts: isJsonValue, description: "any JSON value" },
};

/** Shallow: values come from parsed JSON; this catches what JSON.stringify would drop or throw on. */
function isJsonValue(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "string" || typeof value === "boolean" || typeof value === "object";
}

const columnCache = new WeakMap<StreamSchema, Map<string, StreamColumnType>>();

function columnTypes(stream: StreamSchema): Map<string, StreamColumnType> {
  let columns = columnCache.get(stream);
  if (!columns) {
    columns = new Map(stream.columns.map((column) => [column.name, column.type]));
    columnCache.set(stream, columns);
  }
  return columns;
}

/** The kind of a value, for messages: never the value itself. */
function describe(value: unknown, expected?: StreamColumnType): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : "a Date";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (!Number.isInteger(value)) return "a number with a fraction";
    return expected === "int" || expected === "long" ? "an integer out of range" : "a number";
  }
  if (typeof value === "string") return expected === "datetime" ? "a string that is not one" : "a string";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
