import { MAX_REQUEST_BYTES } from "./limits";
import type { SentinelRow } from "./streams";

/** A row ready to send, with its position in the caller's input, its JSON and the JSON's UTF-8 size. */
export interface SizedRow {
  index: number;
  row: SentinelRow;
  json: string;
  bytes: number;
}

/** One request's worth of rows: consecutive input indexes starting at `firstIndex`. */
export interface Chunk {
  firstIndex: number;
  rows: SentinelRow[];
  /** Each row's JSON, in order: the body is `[` + these joined by `,` + `]`. */
  json: string[];
  /** Size of the request body (UTF-8 bytes, before gzip). */
  bytes: number;
}

/**
 * Packs rows, in order, into request bodies of at most `maxBytes` of JSON, counting the `[`, `,` and `]`
 * of the array. Each chunk is one request, so we know each request's outcome. A gap in the indexes (a row rejected earlier) also starts a new chunk, so every
 * chunk is one contiguous range of the input. Rows must each fit alone (see `prepareRow`).
 */
export function packChunks(rows: readonly SizedRow[], maxBytes: number = MAX_REQUEST_BYTES): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  for (const { index, row, json, bytes } of rows) {
    const contiguous = current !== undefined && current.firstIndex + current.rows.length === index;
    if (current && contiguous && current.bytes + 1 + bytes <= maxBytes) {
      current.rows.push(row);
      current.json.push(json);
      current.bytes += 1 + bytes; // "," + row
      continue;
    }
    current = { firstIndex: index, rows: [row], json: [json], bytes: 2 + bytes }; // "[" + row + "]"
    chunks.push(current);
  }
  return chunks;
}
