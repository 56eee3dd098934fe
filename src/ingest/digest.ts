/**
 * A compact set of the EventIds a window's first pass sent, so a later re-read of the window (the
 * late-event sweep) uploads only what it had not seen. 32-bit FNV-1a hashes, sorted and base64-encoded:
 * 4 bytes per event. A hash collision would make the sweep skip one late event; with a few thousand
 * events per window that chance is about one in a million per late event (documented in ingestion.md).
 */

/** Largest digest a window may have; above it the window is not swept (and that is counted). */
export const MAX_DIGEST_ENTRIES = 3500;

export function hashEventId(eventId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i += 1) {
    h ^= eventId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function encodeDigest(hashes: Iterable<number>): string {
  const sorted = [...new Set(hashes)].sort((a, b) => a - b);
  const buffer = Buffer.alloc(sorted.length * 4);
  sorted.forEach((h, i) => buffer.writeUInt32BE(h, i * 4));
  return buffer.toString("base64");
}

export function decodeDigest(text: string | undefined): Set<number> {
  const set = new Set<number>();
  if (!text) return set;
  const buffer = Buffer.from(text, "base64");
  for (let offset = 0; offset + 4 <= buffer.length; offset += 4) set.add(buffer.readUInt32BE(offset));
  return set;
}

export function mergeDigests(a: string | undefined, b: string | undefined): string {
  return encodeDigest([...decodeDigest(a), ...decodeDigest(b)]);
}

export function digestSize(text: string | undefined): number {
  return text ? Math.floor(Buffer.from(text, "base64").length / 4) : 0;
}
