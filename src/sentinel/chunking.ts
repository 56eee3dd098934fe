import { MAX_REQUEST_BYTES } from "./limits";
import type { SentinelRow } from "./streams";

/** A row ready to send, with its position in the caller's input and its JSON size. */
export interface SizedRow {
  index: number;
  row: SentinelRow;
  bytes: number;
}

/** One request's worth of rows: consecutive input indexes starting at `firstIndex`. */
export interface Chunk {
  firstIndex: number;
  rows: SentinelRow[];
  /** Size of the request body `JSON.stringify(rows)`. */
  bytes: number;
}

/**
 * Packs rows, in order, into request bodies of at most `maxBytes` of JSON. Counting the `[`, `,` and `]`
 * of the array makes this slightly stricter than the SDK's own rule (sum of row sizes < 1,000,000), so
 * `LogsIngestionClient.upload` sends each of our chunks as exactly one request and we know each
 * request's outcome. A gap in the indexes (a row rejected earlier) also starts a new chunk, so every
 * chunk is one contiguous range of the input. Rows must each fit alone (see `prepareRow`).
 */
export function packChunks(rows: readonly SizedRow[], maxBytes: number = MAX_REQUEST_BYTES): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  for (const { index, row, bytes } of rows) {
    const contiguous = current !== undefined && current.firstIndex + current.rows.length === index;
    if (current && contiguous && current.bytes + 1 + bytes <= maxBytes) {
      current.rows.push(row);
      current.bytes += 1 + bytes; // "," + row
      continue;
    }
    current = { firstIndex: index, rows: [row], bytes: 2 + bytes }; // "[" + row + "]"
    chunks.push(current);
  }
  return chunks;
}
