/**
 * The fault oracle's own reading of a Sentinel row: the column mapping of docs/feeds.md, inverted and
 * written out here by hand, turns a row back into the Mimecast record it came from, and `contentKey`
 * names a record by its content. The connector's code (`mapRecord`, its EventId, its fingerprint) is
 * never used, so a mapping or id bug shows up as a row no published record matches.
 */
import { createHash } from "node:crypto";

/** Which feed's records a table holds, and how its columns were renamed from the record's fields. */
interface TableSpec {
  /** Row column → record field (dotted for a nested field). Columns not listed keep their name. */
  renames: Readonly<Record<string, string>>;
  /** Row values to turn back into the record's value (Seg_Cg_CL's legacy Logtype labels). */
  values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Columns derived from other fields (not in the record; not part of its content). */
  derived?: readonly string[];
  /** Derived columns by name pattern (the 3.x flattened and Data Collector copies, docs/content.md). */
  derivedPattern?: RegExp;
  /** Columns the 3.x tables declare as strings that hold a JSON value of the record (parsed back). */
  jsonStrings?: readonly string[];
}

/** The 3.1 labels `Logtype` holds, back to the SIEM `type` Mimecast serves. */
const CG_TYPE_OF_LOGTYPE: Readonly<Record<string, string>> = {
  email_receipt: "receipt",
  email_process: "process",
  email_delivery: "delivery",
  email_antivirus: "av",
  email_spam: "spam",
  email_iep: "internal email protect",
  email_ttp_impersonation: "impersonation protect",
  email_ttp_url: "url protect",
  email_ttp_ap: "attachment protect",
  email_journal: "journal",
};

const SIEM_OFFSETS = { offset: "_offset", partition: "_partition" };

/** Table → how to read its rows back. Only the tables of feeds with a ground truth. */
export const TABLES: Readonly<Record<string, TableSpec>> = {
  Seg_Cg_CL: { renames: { ...SIEM_OFFSETS, Logtype: "type" }, values: { Logtype: CG_TYPE_OF_LOGTYPE } },
  Cloud_Integrated_CL: {
    renames: { ...SIEM_OFFSETS, type_: "type" },
    jsonStrings: ["tags", "policiesApplied"],
  },
  Seg_Dlp_CL: { renames: {} },
  Ttp_Url_CL: {
    renames: { Category: "category", Date: "date" },
    // tagMap_<Group>_<Key> and advancedPhishingResult_<Key> are 3.x flattened copies of nested fields.
    derivedPattern: /^(tagMap|advancedPhishingResult)_/,
  },
  Ttp_Attachment_CL: { renames: { Date: "date" } },
  Ttp_Impersonation_CL: {
    renames: {},
    // `<column>_s/_d/_b/_t`: the Data Collector names the 3.x 1.0.0 parser reads, copies of the columns.
    derivedPattern: /_[sdbt]$/,
    jsonStrings: ["impersonationResults"],
  },
  Audit_CL: { renames: {} },
  MimecastArchiveSearch_CL: { renames: {} },
  MimecastRejections_CL: { renames: {} },
  MimecastArchiveViewLogs_CL: { renames: {} },
  MimecastRemediationIncidents_CL: { renames: {} },
  MimecastThreatEvents_CL: { renames: {} },
  MimecastMessageRelease_CL: {
    renames: {
      fromEnvelopeAddress: "fromEnv.emailAddress",
      fromHeaderAddress: "fromHdr.emailAddress",
      operatorAddress: "operator.emailAddress",
    },
  },
  MimecastThreatIntel_CL: {
    renames: {
      StixId: "id",
      Pattern: "pattern",
      PatternType: "pattern_type",
      Labels: "labels",
      ValidFrom: "valid_from",
      ValidUntil: "valid_until",
      Created: "created",
      Modified: "modified",
      Name: "name",
      Description: "description",
      Confidence: "confidence",
    },
    // FeedType names the feed; the indicator's type and value are read out of its pattern; malware
    // names come from other STIX objects (docs/feeds.md) — none is a field of the indicator.
    derived: ["FeedType", "IndicatorType", "IndicatorValue", "MalwareNames"],
  },
};

/** Columns every table has that no record field becomes. */
const COMMON = new Set(["TimeGenerated", "EventTime", "EventId", "AdditionalFields"]);

/** The record a row was mapped from, as far as the row holds it (undefined: not a data table). */
export function recordOfRow(
  table: string,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  const spec = TABLES[table];
  if (!spec) return undefined;
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (COMMON.has(column) || spec.derived?.includes(column) || spec.derivedPattern?.test(column)) continue;
    const field = spec.renames[column] ?? column;
    if (spec.jsonStrings?.includes(column) && typeof value === "string") {
      setPath(record, field, parseOrKeep(value));
      continue;
    }
    const inverse = spec.values?.[column];
    setPath(
      record,
      field,
      typeof value === "string" && inverse?.[value] !== undefined ? inverse[value] : value,
    );
  }
  // Fields no column declares, and values a typed column could not hold, travel in AdditionalFields.
  const additional = row["AdditionalFields"];
  if (typeof additional === "object" && additional !== null)
    merge(record, additional as Record<string, unknown>);
  return record;
}

/** A JSON text back to its value; text that is not JSON stays as it is (it was a string in the record). */
function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function setPath(record: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let at = record;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next !== "object" || next === null) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}

function merge(into: Record<string, unknown>, from: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (isObject(existing) && isObject(value)) merge(existing, value);
    else into[key] = value;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `2024-10-17T02:06:50+0000`, `…Z`, `…+01:00`, minute precision: the time formats Mimecast serves. */
const TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A value as the content key sees it: types the row cannot keep apart are made equal (a number in a
 * string column, an object serialised into one, a time re-formatted as ISO 8601), empty values vanish.
 */
function normalise(value: unknown): unknown {
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") {
    const m = TIME.exec(value);
    if (m) {
      const zone = m[4] === "Z" ? "Z" : `${m[4]!.slice(0, 3)}:${m[4]!.slice(-2)}`;
      const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ":00"}${zone}`);
      if (Number.isFinite(ms)) return `@${ms}`;
    }
    if (/^[[{]/.test(value)) {
      try {
        return normalise(JSON.parse(value));
      } catch {
        return value;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v) ?? null);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalise((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return typeof value === "bigint" ? value.toString() : undefined;
}

/** A record's content, as a short hash: equal for a record and the row made from it, per table. */
export function contentKey(table: string, record: Readonly<Record<string, unknown>>): string {
  return createHash("sha1")
    .update(table)
    .update("\n")
    .update(JSON.stringify(normalise(withoutPosition(table, record))))
    .digest("base64");
}

/**
 * A SIEM record without its batch-file position (`_offset`, `_partition`): the SIEM stream serves the same
 * event without them (simulator/handlers/siem-stream.ts), so content is the event, not where a file had it.
 */
function withoutPosition(
  table: string,
  record: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  if (table !== "Seg_Cg_CL" && table !== "Cloud_Integrated_CL") return record;
  if (!("_offset" in record) && !("_partition" in record)) return record;
  const { _offset: _o, _partition: _p, ...rest } = record;
  void _o;
  void _p;
  return rest;
}

/** The content key of a row, through the inverse mapping (undefined: not a data table). */
export function rowKey(table: string, row: Readonly<Record<string, unknown>>): string | undefined {
  const record = recordOfRow(table, row);
  return record === undefined ? undefined : contentKey(table, record);
}
