import type { SentinelRow, StreamColumn, StreamSchema } from "./streams";

/**
 * Logs Ingestion API service limits (Azure Monitor service limits, "Logs Ingestion API"):
 * an API call carries at most 1 MB, and field values above 64 KB are cut by the service without a
 * trace. We truncate first and say so in the row, so a long field costs its tail, never the batch.
 */
export const MAX_REQUEST_BYTES = 1_000_000;
export const MAX_FIELD_BYTES = 64 * 1024;

/** Columns every stream we declare carries, so a truncated row says so (and which fields). */
export const ROW_FLAG_COLUMNS = [
  { name: "Truncated", type: "boolean" },
  { name: "TruncatedFields", type: "string" },
] as const satisfies readonly StreamColumn[];

/** The `truncatedFields` of every row left alone (one shared, frozen array: no allocation per row). */
export const NOTHING_CUT: readonly string[] = Object.freeze([]);

/** JSON array framing of a single-row request: `[` and `]`. */
const ARRAY_FRAMING_BYTES = 2;

/** A row ready to send: what `prepareRow` answers for a row within the limits. */
export interface ReadyRow {
  readonly ok: true;
  /** The row as it is sent (truncated fields cut). */
  readonly row: SentinelRow;
  /** `JSON.stringify(row)`: the row's one serialisation, sent as it is by the sink. */
  readonly json: string;
  /** UTF-8 size of `json`, what chunking needs. */
  readonly bytes: number;
  /** Fields cut to MAX_FIELD_BYTES by this call (empty when the row was left alone). */
  readonly truncatedFields: readonly string[];
}

export type PreparedRow = ReadyRow | { ok: false; bytes: number; reason: string };

/**
 * Makes a row fit the service limits. Any string value above MAX_FIELD_BYTES of UTF-8 is cut to fit (on
 * a character boundary); any other value whose JSON is above it (a large `dynamic` object) is replaced
 * by its JSON text cut to fit, which a `dynamic` column still accepts. A truncated row gets
 * `Truncated = true` and `TruncatedFields` = the comma-separated field names, when the stream declares
 * those columns. A row that is still too large for a request of its own is rejected — that row only.
 * Pure: the input row is never modified.
 *
 * The answer carries the row's JSON, built here once and sent as it is (issue 14: one serialisation per
 * row): the segment prepares each row to size its requests and hands the answers to the sink
 * (`UploadOptions.prepared`), so nothing asks twice.
 */
export function prepareRow(row: SentinelRow, stream: StreamSchema): PreparedRow {
  const json = JSON.stringify(row);
  const whole = Buffer.byteLength(json, "utf8");
  // Every field's value (as UTF-8, or as JSON) is no longer than the row's JSON: a row that fits in one
  // field's limit has no field to cut (the common case, decided with the one stringify it needs anyway).
  if (whole <= MAX_FIELD_BYTES) return { ok: true, row, json, bytes: whole, truncatedFields: NOTHING_CUT };
  let prepared: SentinelRow | undefined;
  const truncatedFields: string[] = [];
  for (const [field, value] of Object.entries(row)) {
    const cut = truncateValue(value);
    if (cut === undefined) continue;
    prepared ??= { ...row };
    prepared[field] = cut;
    truncatedFields.push(field);
  }
  if (prepared && declaresFlagColumns(stream)) {
    prepared["Truncated"] = true;
    prepared["TruncatedFields"] = mergeFieldNames(row["TruncatedFields"], truncatedFields);
  }
  const result = prepared ?? row;
  const resultJson = prepared ? JSON.stringify(result) : json;
  const bytes = prepared ? Buffer.byteLength(resultJson, "utf8") : whole;
  if (bytes + ARRAY_FRAMING_BYTES > MAX_REQUEST_BYTES) {
    return {
      ok: false,
      bytes,
      reason: `row is ${bytes} bytes of JSON after truncating fields to ${MAX_FIELD_BYTES} bytes; a request takes at most ${MAX_REQUEST_BYTES}`,
    };
  }
  return { ok: true, row: result, json: resultJson, bytes, truncatedFields };
}

/**
 * Whether a row whose JSON is `json` is within every limit as it is, decided from its length alone: a
 * UTF-16 unit takes at most 3 bytes of UTF-8, so JSON of at most MAX_FIELD_BYTES / 3 units has no
 * field to cut and fits a request. `prepareRow` answers the same for such a row (`ok`, nothing cut).
 */
export function fitsUncut(json: string): boolean {
  return json.length * 3 <= MAX_FIELD_BYTES;
}

/** The value cut to MAX_FIELD_BYTES, or undefined when it already fits. */
function truncateValue(value: unknown): string | undefined {
  if (typeof value === "string") {
    // Cheap pre-check: a UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (value.length * 3 <= MAX_FIELD_BYTES) return undefined;
    return Buffer.byteLength(value, "utf8") > MAX_FIELD_BYTES
      ? truncateUtf8(value, MAX_FIELD_BYTES)
      : undefined;
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return undefined;
  const json = JSON.stringify(value);
  return Buffer.byteLength(json, "utf8") > MAX_FIELD_BYTES ? truncateUtf8(json, MAX_FIELD_BYTES) : undefined;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut lands on the start of a character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

function declaresFlagColumns(stream: StreamSchema): boolean {
  return ROW_FLAG_COLUMNS.every((flag) => stream.columns.some((column) => column.name === flag.name));
}

/** Keeps names an earlier pass recorded, so preparing a row twice changes nothing. */
function mergeFieldNames(previous: unknown, added: readonly string[]): string {
  const names = typeof previous === "string" && previous !== "" ? previous.split(",") : [];
  for (const name of added) if (!names.includes(name)) names.push(name);
  return names.join(",");
}
