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
  return fingerprintOmitting(feedId, record, NO_FIELDS);
}

/** The fingerprint of `record` as if its top-level `omit` fields were not there (no copy is made). */
function fingerprintOmitting(feedId: string, record: unknown, omit: readonly string[]): string {
  return hash128Hex(`${feedId}\u0000${canonicalJson(record, MAX_CANONICAL_DEPTH, omit)}`);
}

const NO_FIELDS: readonly string[] = [];

/**
 * The EventId of one SIEM record, whichever way it arrived: a batch file line (siem-cg / siem-ci) or the
 * SIEM stream. Both must call this (or the feed's `eventId`, which is the same function), never hash
 * the raw text: the same event then dedups across the two routes.
 */
export function siemRecordEventId(
  kind: SiemBatchKind,
  record: Readonly<Record<string, unknown>>,
  line?: string,
): string {
  const feedId = kind === "cg" ? "siem-cg" : "siem-ci";
  // The batch line itself, when it provably is the record's canonical JSON: no second serialisation.
  const fromLine = line === undefined ? undefined : canonicalFromLine(record, line, SIEM_BATCH_ONLY_FIELDS);
  if (fromLine !== undefined) return hash128Hex(`${feedId}\u0000${fromLine}`);
  // The batch-only fields are left out by the writer, not deleted from a copy (a delete turns the copy
  // into a slow dictionary object: it cost more than the hash).
  return fingerprintOmitting(feedId, record, SIEM_BATCH_ONLY_FIELDS);
}

/** Fields only SIEM batch files carry (their Kafka position); stream events do not, so the EventId leaves them out. */
export const SIEM_BATCH_ONLY_FIELDS = ["_offset", "_partition"] as const;

function hash128Hex(text: string): string {
  return xxh3.xxh128(text).toString(16).padStart(32, "0");
}

/**
 * JSON with object keys sorted recursively (undefined dropped), so the same record always hashes the
 * same; `omit` names top-level fields to leave out. Written directly — no sorted deep copy — and
 * depth-capped: a record nested deeper than `maxDepth` throws CanonicalDepthError instead of
 * overflowing the stack (issue 11).
 *
 * Fast path: a record whose keys already come in sorted order at every level (Mimecast serves them so,
 * and the shape's order is checked once) and holds only JSON values is its own canonical form, so the
 * native `JSON.stringify` writes it — about twice as fast as writing it by hand — and omitted fields at
 * the front of it are cut off the text. Anything else is written by hand.
 */
export function canonicalJson(
  value: unknown,
  maxDepth: number = MAX_CANONICAL_DEPTH,
  omit: readonly string[] = NO_FIELDS,
): string {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && maxDepth > 0) {
    const record = value as Readonly<Record<string, unknown>>;
    const shape = topLevelShape(record, omit);
    if (shape.nativeOrder && isPlain(record) && nativeValues(record, maxDepth)) {
      return writeNative(record, shape);
    }
    return writeObject(record, 1, maxDepth, shape);
  }
  return writeValue(value, 0, maxDepth) ?? "null";
}

/**
 * `canonicalJson(record, MAX_CANONICAL_DEPTH, omit)` taken from `line`, the text `record` was parsed from
 * (`record` is `JSON.parse(line)`: callers must pass exactly that pair), when the line provably is
 * `JSON.stringify(record)` and that is canonical; undefined otherwise (the caller writes it instead).
 *
 * The proof, without serialising the record again:
 * 1. the record takes the native path (plain JSON values, keys sorted at every level, the omitted
 *    fields leading), and no key starts with a digit (V8 puts integer-like keys first, whatever the
 *    line's order), so `JSON.stringify(record)` is canonical and keeps the line's member order;
 * 2. every escape in the line is one `JSON.stringify` writes, and the line has no lone surrogate, so
 *    each string token is exactly `JSON.stringify` of its value;
 * 3. every number of the record is a safe integer that is 0 or not a multiple of 100: the only token
 *    no longer than `String` of such a value is that text itself (`1e2` is as short as `100`, and
 *    past 2^53 another digit string can round to the same double), so each number token is exactly
 *    `String` of its value or longer (`120.0`, `12e1`, `-0`); any other number sends the record to
 *    the writer;
 * 4. the line is exactly as long as `JSON.stringify(record)` would be plus the escapes' extra
 *    characters counted in the line (`length` below counts strings at their raw length).
 * Under 1–3 the line can differ from `JSON.stringify(record)` only by whitespace, longer numbers and
 * members that parsing dropped (duplicate keys), and each of those makes the line longer than the
 * count in 4 (a dropped member is longer than the extra characters of its escapes): equal means equal.
 */
export function canonicalFromLine(
  record: Readonly<Record<string, unknown>>,
  line: string,
  omit: readonly string[] = NO_FIELDS,
): string | undefined {
  if (!isPlain(record)) return undefined;
  const shape = topLevelShape(record, omit);
  if (!shape.nativeOrder || shape.digitKey) return undefined;
  let length = shape.rawKeysLength + (shape.keys.length > 0 ? shape.keys.length + 1 : 2);
  const values = Object.values(record);
  for (let i = 0; i < values.length; i += 1) {
    const n = rawLength(values[i], 1, MAX_CANONICAL_DEPTH);
    if (n < 0) return undefined;
    length += n;
  }
  const extra = escapeExtra(line);
  if (extra < 0 || length + extra !== line.length) return undefined;
  if (!(line as WellFormed).isWellFormed()) return undefined;
  return cutOmitted(line, record, shape);
}

/** `String.prototype.isWellFormed` (ES2024; node ≥ 20): no lone surrogate. */
type WellFormed = string & { isWellFormed(): boolean };

/**
 * Characters the line's escapes add over the characters they stand for (`\n`: 1, `\u001f`: 5), or -1
 * when an escape is not one `JSON.stringify` writes (`\/`, `\u0041`, an upper-case hex digit).
 */
function escapeExtra(line: string): number {
  let extra = 0;
  for (let i = line.indexOf("\\"); i !== -1; i = line.indexOf("\\", i)) {
    const next = line.charCodeAt(i + 1);
    if (next === LOWER_U) {
      if (!CANONICAL_U_ESCAPES.has(line.slice(i + 2, i + 6))) return -1;
      extra += 5;
      i += 6;
    } else {
      if (!SHORT_ESCAPES.has(next)) return -1;
      extra += 1;
      i += 2;
    }
  }
  return extra;
}
const LOWER_U = 0x75;
/** `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`. */
const SHORT_ESCAPES: ReadonlySet<number> = new Set([...'"\\bfnrt'].map((c) => c.charCodeAt(0)));
/** The hex of the `\u00xx` escapes `JSON.stringify` writes: control characters without a short escape. */
const CANONICAL_U_ESCAPES: ReadonlySet<string> = new Set(
  Array.from({ length: 0x20 }, (_, code) => code)
    .filter((code) => !"\b\f\n\r\t".includes(String.fromCharCode(code)))
    .map((code) => code.toString(16).padStart(4, "0")),
);

/**
 * Length of `JSON.stringify(value)` with strings (values and keys) at their raw length + 2, or -1 when
 * the value would not take the native path (see nativeValue), holds a key starting with a digit or a
 * number other than the integers the line proof takes.
 */
function rawLength(value: unknown, depth: number, maxDepth: number): number {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
      return numberLength(value);
    case "boolean":
      return value ? 4 : 5;
    case "object": {
      if (value === null) return 4;
      if (depth >= maxDepth) return -1;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return -1;
        let length = value.length > 0 ? value.length + 1 : 2; // brackets and commas
        for (let i = 0; i < value.length; i += 1) {
          if (!(i in value)) return -1;
          const n = rawLength(value[i], depth + 1, maxDepth);
          if (n < 0) return -1;
          length += n;
        }
        return length;
      }
      if (!isPlain(value)) return -1;
      const keys = Object.keys(value);
      let length = keys.length > 0 ? keys.length + 1 : 2; // braces and commas
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i]!;
        if (i > 0 && !(keys[i - 1]! < key)) return -1;
        if (startsWithDigit(key)) return -1;
        const n = rawLength((value as Record<string, unknown>)[key], depth + 1, maxDepth);
        if (n < 0) return -1;
        length += key.length + 3 + n; // "key":
      }
      return length;
    }
    default:
      return -1;
  }
}

function startsWithDigit(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= DIGIT_0 && first <= DIGIT_9;
}
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Length of `JSON.stringify(n)`, or -1 for a number the line proof does not take (see canonicalFromLine, 3.). */
function numberLength(n: number): number {
  if (!Number.isSafeInteger(n) || (n % 100 === 0 && n !== 0)) return -1;
  // Powers of ten are exact in a double up to 1e22, so the comparisons are exact.
  const magnitude = Math.abs(n);
  let length = n < 0 ? 2 : 1;
  for (let power = 10; power <= magnitude; power *= 10) length += 1;
  return length;
}

/** `JSON.stringify(record)` without the omitted fields, which the shape says lead the record's own order. */
function writeNative(record: Readonly<Record<string, unknown>>, shape: Shape): string {
  return cutOmitted(JSON.stringify(record), record, shape);
}

/** `full` (`JSON.stringify(record)`, or the line proven equal to it) without the leading omitted members. */
function cutOmitted(full: string, record: Readonly<Record<string, unknown>>, shape: Shape): string {
  if (shape.omittedFirst === 0) return full;
  if (shape.sorted.length === 0) return "{}";
  let cut = 1; // "{"
  for (let i = 0; i < shape.omittedFirst; i += 1) {
    // `"key":value,` of each leading omitted field; nativeValues proved each value is plain JSON.
    cut += shape.ownPrefixLengths[i]! + JSON.stringify(record[shape.keys[i]!]).length + 1;
  }
  return `{${full.slice(cut)}`;
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Does every value below `record` serialise natively to its canonical form: JSON values only (no
 * undefined, functions, symbols, bigints, holes, class instances such as Date with a toJSON), every
 * object's keys in sorted order, no deeper than `maxDepth`? False sends the record to the hand writer,
 * which then throws for depth or writes the definition's form.
 */
function nativeValues(record: Readonly<Record<string, unknown>>, maxDepth: number): boolean {
  // Object.values: one native call, not a keyed load per field.
  const values = Object.values(record);
  for (let i = 0; i < values.length; i += 1) if (!nativeValue(values[i], 1, maxDepth)) return false;
  return true;
}

function nativeValue(value: unknown, depth: number, maxDepth: number): boolean {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth >= maxDepth) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i += 1) {
          if (!(i in value) || !nativeValue(value[i], depth + 1, maxDepth)) return false;
        }
        return true;
      }
      if (!isPlain(value)) return false;
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i += 1) {
        if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
        if (!nativeValue((value as Record<string, unknown>)[keys[i]!], depth + 1, maxDepth)) return false;
      }
      return true;
    }
    default:
      return false;
  }
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
function writeValue(value: unknown, depth: number, maxDepth: number): string | undefined {
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
        : writeObject(value as Record<string, unknown>, depth + 1, maxDepth, undefined);
    default:
      // bigint throws as JSON.stringify does; undefined, functions and symbols are omitted.
      return JSON.stringify(value);
  }
}

function writeArray(list: readonly unknown[], depth: number, maxDepth: number): string {
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i += 1) {
    // A hole writes nothing, as the definition's map/join does.
    parts[i] = i in list ? (writeValue(list[i], depth, maxDepth) ?? "null") : "";
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
  shape: Shape | undefined,
): string {
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
    else parts.push(prefix, writeValue(v, depth, maxDepth) ?? "null");
  }
  parts.push("}");
  return parts.join("");
}

interface Shape {
  /** Keys in the record's own order, to recognise the next record of the same shape. */
  keys: readonly string[];
  /** The top-level fields left out (compared by identity: callers pass module constants). */
  omit: readonly string[];
  /** The keys, sorted, without the omitted ones. */
  sorted: readonly string[];
  /** `"key":` for each sorted key, and `,"key":`. */
  prefixes: readonly string[];
  commaPrefixes: readonly string[];
  /**
   * The own order is the sorted order once the omitted fields are taken out, and those all lead it:
   * `JSON.stringify` of such a record, minus its first `omittedFirst` members, is canonical at the top.
   */
  nativeOrder: boolean;
  omittedFirst: number;
  /** Length of `"key":` for each key in own order (to cut the leading omitted members). */
  ownPrefixLengths: readonly number[];
  /** Some key starts with a digit (V8 may order it apart from the served text). */
  digitKey: boolean;
  /** Σ (key length + 3) over the keys: `"key":` with the key's raw characters. */
  rawKeysLength: number;
}

/**
 * Records of one feed and type come with the same keys in the same order, line after line: sorting and
 * quoting them once per shape (a few shapes remembered) takes the sort out of the per-record cost.
 */
const shapes: Shape[] = [];
const MAX_SHAPES = 16;

function topLevelShape(record: Readonly<Record<string, unknown>>, omit: readonly string[]): Shape {
  const keys = Object.keys(record);
  for (let s = 0; s < shapes.length; s += 1) {
    const shape = shapes[s]!;
    if (shape.omit === omit && sameKeys(shape.keys, keys)) {
      if (s > 0) {
        shapes.splice(s, 1);
        shapes.unshift(shape);
      }
      return shape;
    }
  }
  const kept = keys.filter((k) => !omit.includes(k));
  const sorted = [...kept].sort();
  let omittedFirst = 0;
  while (omittedFirst < keys.length && omit.includes(keys[omittedFirst]!)) omittedFirst += 1;
  const nativeOrder =
    keys.length - omittedFirst === sorted.length && sameKeys(keys.slice(omittedFirst), sorted);
  const prefixes = sorted.map((k) => `${quote(k)}:`);
  const shape: Shape = {
    keys,
    omit,
    sorted,
    prefixes,
    commaPrefixes: prefixes.map((p) => `,${p}`),
    nativeOrder,
    omittedFirst,
    ownPrefixLengths: keys.map((k) => quote(k).length + 1),
    digitKey: keys.some(startsWithDigit),
    rawKeysLength: keys.reduce((sum, k) => sum + k.length + 3, 0),
  };
  shapes.unshift(shape);
  if (shapes.length > MAX_SHAPES) shapes.pop();
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
