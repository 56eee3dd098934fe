import { createHash } from "node:crypto";

/**
 * EventId rules (documented in README and docs/architecture.md):
 * - a record with its own id (audit `id`, impersonation `id`, held-release `id`, STIX `id`) → `<feed>:<id>`;
 * - otherwise a fingerprint: SHA-256 over the feed id and the record's **canonical JSON** (keys sorted
 *   at every level), hex, first 32 chars. SIEM records have no id, and a fixed field subset collides
 *   (Elastic #9048: `MsgId` missing) — hashing the whole record as served is type-aware by construction
 *   (it includes `type`) and only equal for byte-for-byte re-deliveries, which is exactly what a
 *   duplicate is.
 */
export function ownIdEventId(feedId: string, id: string): string {
  return `${feedId}:${id}`;
}

export function fingerprintEventId(feedId: string, record: unknown): string {
  return createHash("sha256")
    .update(feedId)
    .update("\u0000")
    .update(canonicalJson(record))
    .digest("hex")
    .slice(0, 32);
}

/** JSON with object keys sorted recursively, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  // Hot path (one call per SIEM line): for plain JSON data, a copy whose keys were inserted in sorted
  // order serialises to exactly the same text through the native JSON.stringify, several times faster
  // than building the string by hand. Anything else takes the definition below.
  const sorted = sortedCopy(value);
  return sorted === UNSUPPORTED ? canonicalJsonByHand(value) : (JSON.stringify(sorted) ?? "null");
}

/** The definition: what `canonicalJson` must always equal. */
export function canonicalJsonByHand(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJsonByHand).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJsonByHand(v)}`).join(",")}}`;
}

const UNSUPPORTED = Symbol("unsupported");
/** Keys JavaScript orders numerically whatever the insertion order ("0", "42"). */
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * `value` with every object's keys inserted in sorted order (undefined values dropped), or UNSUPPORTED
 * when the native route could write it differently: a Date or other toJSON, a class instance, a
 * function, a sparse array, an index-like or `__proto__` key.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (value === undefined) return value;
  if (typeof value !== "object") return UNSUPPORTED;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) return UNSUPPORTED;
      const element = sortedCopy(value[i]);
      if (element === UNSUPPORTED) return UNSUPPORTED;
      out[i] = element;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return UNSUPPORTED;
  const record = value as Record<string, unknown>;
  if ("toJSON" in record) return UNSUPPORTED;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (key === "__proto__" || INDEX_LIKE.test(key)) return UNSUPPORTED;
    const v = record[key];
    if (v === undefined) continue;
    const copied = sortedCopy(v);
    if (copied === UNSUPPORTED) return UNSUPPORTED;
    out[key] = copied;
  }
  return out;
}
