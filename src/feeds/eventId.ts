import { xxh3 } from "@node-rs/xxhash";
import type { SiemBatchKind } from "../mimecast/endpoints";

/**
 * EventId rules (scheme {@link EVENT_ID_SCHEME}, documented in docs/feeds.md "EventId"):
 * - every record is fingerprinted: xxHash3-128 over the feed id, a NUL and the record's **canonical JSON**
 *   (keys sorted at every level, undefined dropped, JSON.stringify's escaping), as 32 lower-case hex
 *   digits. Key order, whitespace and escape spelling of the served line never change it; any changed
 *   value does. SIEM records have no id, and a fixed field subset collides (Elastic #9048: `MsgId`
 *   missing) — hashing the whole record as served is type-aware by construction (it includes `type`).
 * - a record with its own id (audit `id`, impersonation `id`, held-release `id`) → `<feed>:<id>:<16 hex>`,
 *   the id kept for people reading rows, the first 16 hex digits of the fingerprint separating distinct
 *   records that share one id (real impersonation data repeats `MTOKEN`s).
 * xxHash3 is not cryptographic; it need not be: an EventId only has to tell events apart, and nobody
 * gains by forging a collision with their own mail logs. It costs ~1 µs a record where SHA-256 over a
 * sorted deep copy cost ~6 µs (issue 14).
 */
export const EVENT_ID_SCHEME = "v2";

/** Nesting deeper than this is refused (a dead-letter), never recursed into: see CanonicalDepthError. */
export const MAX_CANONICAL_DEPTH = 64;

/** A record nested deeper than MAX_CANONICAL_DEPTH: an expected bad input, mapped to a dead-letter. */
export class CanonicalDepthError extends Error {
  constructor(readonly maxDepth: number) {
    super(`record is nested deeper than ${maxDepth} levels`);
    this.name = "CanonicalDepthError";
  }
}

export function ownIdEventId(feedId: string, id: string): string {
  return `${feedId}:${id}`;
}

/** `<feed>:<id>:<16 hex of the fingerprint>`: the record's own id, and which record of that id it is. */
export function ownIdWithFingerprint(feedId: string, id: string, record: unknown): string {
  return `${feedId}:${id}:${fingerprintEventId(feedId, record).slice(0, 16)}`;
}

export function fingerprintEventId(feedId: string, record: unknown): string {
  return hash128Hex(`${feedId}\u0000${canonicalJson(record)}`);
}

/**
 * The EventId of one SIEM record, whichever way it arrived: a batch file line (siem-cg / siem-ci) or the
 * SIEM stream. Both must call this (or the feed's `eventId`, which is the same function), never hash
 * the raw text: the same event then dedups across the two routes.
 */
export function siemRecordEventId(kind: SiemBatchKind, record: Readonly<Record<string, unknown>>): string {
  if (!SIEM_BATCH_ONLY_FIELDS.some((field) => field in record))
    return fingerprintEventId(`siem-${kind}`, record);
  const copy: Record<string, unknown> = { ...record };
  for (const field of SIEM_BATCH_ONLY_FIELDS) delete copy[field];
  return fingerprintEventId(`siem-${kind}`, copy);
}

/** Fields only SIEM batch files carry (their Kafka position); stream events do not, so the EventId leaves them out. */
export const SIEM_BATCH_ONLY_FIELDS = ["_offset", "_partition"] as const;

function hash128Hex(text: string): string {
  return xxh3.xxh128(text).toString(16).padStart(32, "0");
}

/**
 * JSON with object keys sorted recursively (undefined dropped), so the same record always hashes the
 * same. Written directly — no sorted deep copy — and depth-capped: a record nested deeper than
 * `maxDepth` throws CanonicalDepthError instead of overflowing the stack (issue 11).
 */
export function canonicalJson(value: unknown, maxDepth: number = MAX_CANONICAL_DEPTH): string {
  return writeValue(value, 0, maxDepth, true) ?? "null";
}

/** The definition: what `canonicalJson` must always equal (tests only; it recurses without a cap). */
export function canonicalJsonByHand(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJsonByHand).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJsonByHand(v)}`).join(",")}}`;
}

/** Characters JSON.stringify would escape (quote, backslash, controls, any surrogate half). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Undefined only for an omitted value (undefined, function, symbol) — the caller decides what that means. */
function writeValue(value: unknown, depth: number, maxDepth: number, top: boolean): string | undefined {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (depth >= maxDepth) throw new CanonicalDepthError(maxDepth);
      return Array.isArray(value)
        ? writeArray(value, depth + 1, maxDepth)
        : writeObject(value as Record<string, unknown>, depth + 1, maxDepth, top);
    default:
      // bigint throws as JSON.stringify does; undefined, functions and symbols are omitted.
      return JSON.stringify(value);
  }
}

function writeArray(list: readonly unknown[], depth: number, maxDepth: number): string {
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i += 1) {
    // A hole writes nothing, as the definition's map/join does.
    parts[i] = i in list ? (writeValue(list[i], depth, maxDepth, false) ?? "null") : "";
  }
  return `[${parts.join(",")}]`;
}

/**
 * Pieces are collected and joined once: concatenating them one by one would build a rope of ~60 cons
 * strings per record that the hash then has to walk and flatten (measured: slower than the JSON itself).
 */
function writeObject(
  record: Readonly<Record<string, unknown>>,
  depth: number,
  maxDepth: number,
  top: boolean,
): string {
  const shape = top ? topLevelShape(record) : undefined;
  const keys = shape ? shape.sorted : Object.keys(record).sort();
  const parts: string[] = ["{"];
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    const v = record[key];
    if (v === undefined) continue;
    const comma = parts.length > 1;
    const prefix = shape
      ? comma
        ? shape.commaPrefixes[i]!
        : shape.prefixes[i]!
      : `${comma ? "," : ""}${quote(key)}:`;
    // A plain string (most values) goes in as it is between quotes: no new string per value.
    if (typeof v === "string" && !NEEDS_ESCAPE.test(v)) parts.push(prefix, '"', v, '"');
    else parts.push(prefix, writeValue(v, depth, maxDepth, false) ?? "null");
  }
  parts.push("}");
  return parts.join("");
}

interface Shape {
  /** Keys in the record's own order, to recognise the next record of the same shape. */
  keys: readonly string[];
  sorted: readonly string[];
  /** `"key":` for each sorted key, and `,"key":`. */
  prefixes: readonly string[];
  commaPrefixes: readonly string[];
}

/**
 * Records of one feed and type come with the same keys in the same order, line after line: sorting and
 * quoting them once per shape (a few shapes remembered) takes the sort out of the per-record cost.
 */
const shapes: Shape[] = [];
const MAX_SHAPES = 16;

function topLevelShape(record: Readonly<Record<string, unknown>>): Shape {
  const keys = Object.keys(record);
  for (let s = 0; s < shapes.length; s += 1) {
    const shape = shapes[s]!;
    if (sameKeys(shape.keys, keys)) {
      if (s > 0) {
        shapes.splice(s, 1);
        shapes.unshift(shape);
      }
      return shape;
    }
  }
  const sorted = [...keys].sort();
  const prefixes = sorted.map((k) => `${quote(k)}:`);
  const shape: Shape = { keys, sorted, prefixes, commaPrefixes: prefixes.map((p) => `,${p}`) };
  shapes.unshift(shape);
  if (shapes.length > MAX_SHAPES) shapes.pop();
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
