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
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
