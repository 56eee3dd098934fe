import { ownIdEventId } from "./eventId";
import { timeFrom } from "./define";
import type { ColumnSpec, ThreatIntelFeedSpec } from "./types";

type Rec = Readonly<Record<string, unknown>>;

/** Table shared by both threat-intel feeds (FeedType tells them apart). */
export const THREAT_INTEL_TABLE = "MimecastThreatIntel_CL";

/**
 * `[file:hashes.'SHA-256' = 'abc…']` → type `file:hashes.'SHA-256'`, value `abc…`. Only single
 * comparisons have one value; compound patterns keep just `Pattern`.
 */
export function parseStixPattern(pattern: unknown): { type: string; value: string } | undefined {
  if (typeof pattern !== "string") return undefined;
  const match = /^\[\s*([a-z0-9-]+:[^\s=]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$/i.exec(pattern.trim());
  if (!match) return undefined;
  return { type: match[1]!, value: match[2]!.replace(/\\(.)/g, "$1") };
}

const THREAT_INTEL_COLUMNS: readonly ColumnSpec[] = [
  { name: "FeedType", type: "string" },
  { name: "StixId", type: "string", from: "id" },
  {
    name: "IndicatorType",
    type: "string",
    convert: (_v, record) => parseStixPattern(record["pattern"])?.type,
  },
  {
    name: "IndicatorValue",
    type: "string",
    convert: (_v, record) => parseStixPattern(record["pattern"])?.value,
  },
  { name: "Pattern", type: "string", from: "pattern" },
  { name: "PatternType", type: "string", from: "pattern_type" },
  { name: "Labels", type: "dynamic", from: "labels" },
  { name: "ValidFrom", type: "datetime", from: "valid_from" },
  { name: "ValidUntil", type: "datetime", from: "valid_until" },
  { name: "Created", type: "datetime", from: "created" },
  { name: "Modified", type: "datetime", from: "modified" },
  { name: "Name", type: "string", from: "name" },
  { name: "Description", type: "string", from: "description" },
  { name: "Confidence", type: "int", from: "confidence" },
  { name: "MalwareNames", type: "dynamic", description: "names of the malware the indicator indicates" },
];

const INDICATOR_SCHEMA = {
  type: "object",
  required: ["type", "id", "pattern", "modified"],
  properties: {
    type: { const: "indicator" },
    id: { type: "string", pattern: "^indicator--" },
    pattern: { type: "string", minLength: 1 },
    modified: { type: "string" },
  },
};

/**
 * A threat-intel feed: one row per STIX indicator in `MimecastThreatIntel_CL`. EventId = STIX id + its
 * `modified` time (a new version of an indicator is a new row; a re-served file is the same rows).
 */
export function threatIntelFeed(
  definition: Pick<ThreatIntelFeedSpec, "id" | "title" | "feedType">,
): ThreatIntelFeedSpec {
  return {
    ...definition,
    source: "threat-intel",
    permission: "Threat Intel → Feed → Read (Threat Intel product)",
    defaultTable: THREAT_INTEL_TABLE,
    window: { kind: "time-window", maxWindowMs: 86_400_000 },
    retentionDays: 7,
    timeField: "modified",
    eventTime: timeFrom("modified"),
    eventId: (record: Rec) =>
      ownIdEventId(definition.id, `${String(record["id"])}@${String(record["modified"])}`),
    columns: THREAT_INTEL_COLUMNS,
    recordSchema: INDICATOR_SCHEMA,
  };
}

/** One indicator of a bundle, ready for the mapper, and the object as served (for TI upload). */
export interface IndicatorRecord {
  /** Index among the bundle's objects. */
  objectIndex: number;
  /** The object as served (what the TI upload API receives). */
  object: Record<string, unknown>;
  /** The object plus FeedType and MalwareNames (what the table row is mapped from). */
  record: Record<string, unknown>;
}

/**
 * The bundle's indicators, in order, each with the names of the malware its `indicates` relationships
 * point to. Malware and relationship objects are folded into MalwareNames; they are not rows.
 * Anything that is not an indicator but looks like one (a typo in `type`) is kept as a record so the
 * schema check dead-letters it rather than it vanishing.
 */
export function indicatorRecords(
  objects: readonly Record<string, unknown>[],
  feedType: string,
  chain: StixContext = emptyStixContext(),
): IndicatorRecord[] {
  // Malware and relationships of the whole token chain: an indicator's relationship (or its malware)
  // may be served in another file of the same chain than the indicator itself.
  const context = emptyStixContext();
  addStixContext(context, chain);
  addStixContext(context, stixContextOf(objects));
  const indicates = new Map<string, string[]>();
  for (const { source, target } of context.indicates) {
    const name = context.malwareNames.get(target);
    if (name === undefined) continue;
    const names = indicates.get(source) ?? [];
    if (!names.includes(name)) indicates.set(source, [...names, name]);
  }
  const out: IndicatorRecord[] = [];
  objects.forEach((object, objectIndex) => {
    if (!isIndicatorLike(object)) return;
    const names = typeof object["id"] === "string" ? indicates.get(object["id"]) : undefined;
    out.push({
      objectIndex,
      object,
      record: { ...object, FeedType: feedType, ...(names ? { MalwareNames: names } : {}) },
    });
  });
  return out;
}

/** The malware names and `indicates` relationships of some STIX objects (context, not rows). */
export interface StixContext {
  malwareNames: Map<string, string>;
  indicates: Array<{ source: string; target: string }>;
}

export const emptyStixContext = (): StixContext => ({ malwareNames: new Map(), indicates: [] });

export function stixContextOf(objects: readonly Record<string, unknown>[]): StixContext {
  const context = emptyStixContext();
  for (const object of objects) {
    if (object["type"] === "malware" && typeof object["id"] === "string") {
      context.malwareNames.set(
        object["id"],
        typeof object["name"] === "string" ? object["name"] : object["id"],
      );
    }
    if (object["type"] !== "relationship" || object["relationship_type"] !== "indicates") continue;
    const source = object["source_ref"];
    const target = object["target_ref"];
    if (typeof source === "string" && typeof target === "string") context.indicates.push({ source, target });
  }
  return context;
}

/** Adds `more` into `into` (relationships deduplicated). */
export function addStixContext(into: StixContext, more: StixContext): void {
  for (const [id, name] of more.malwareNames) into.malwareNames.set(id, name);
  const known = new Set(into.indicates.map((r) => `${r.source}\u0000${r.target}`));
  for (const r of more.indicates) {
    const key = `${r.source}\u0000${r.target}`;
    if (!known.has(key)) {
      known.add(key);
      into.indicates.push(r);
    }
  }
}

const CONTEXT_TYPES = new Set(["malware", "relationship", "identity", "marking-definition"]);

function isIndicatorLike(object: Rec): boolean {
  if (object["type"] === "indicator") return true;
  return typeof object["type"] !== "string" || (!CONTEXT_TYPES.has(object["type"]) && "pattern" in object);
}
