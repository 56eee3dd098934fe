import { MAX_REQUEST_BYTES } from "./limits";
import type { ReadyRow } from "./limits";
import { SlabRow } from "./rowSlabs";

/** A row ready to send, with its position in the caller's input. */
export interface SizedRow {
  index: number;
  prepared: ReadyRow;
}

/** One request's worth of rows: consecutive input indexes starting at `firstIndex`. */
export interface Chunk {
  firstIndex: number;
  /** The rows, in order: the body is `[` + their JSON joined by `,` + `]` (see chunkBody). */
  rows: ReadyRow[];
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
  for (const { index, prepared } of rows) {
    const { bytes } = prepared;
    const contiguous = current !== undefined && current.firstIndex + current.rows.length === index;
    if (current && contiguous && current.bytes + 1 + bytes <= maxBytes) {
      current.rows.push(prepared);
      current.bytes += 1 + bytes; // "," + row
      continue;
    }
    current = { firstIndex: index, rows: [prepared], bytes: 2 + bytes }; // "[" + row + "]"
    chunks.push(current);
  }
  return chunks;
}

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/**
 * The chunk's body, `[row,row,…]` as UTF-8, written straight into one buffer of its known size: rows
 * held in slabs are copied as bytes, others encoded from their JSON — no joined string in between.
 */
export function chunkBody(chunk: Chunk): Buffer {
  const body = Buffer.allocUnsafe(chunk.bytes);
  let offset = 0;
  body[offset++] = OPEN;
  chunk.rows.forEach((row, i) => {
    if (i > 0) body[offset++] = COMMA;
    offset =
      row instanceof SlabRow ? row.copyTo(body, offset) : offset + body.write(row.json, offset, "utf8");
  });
  body[offset++] = CLOSE;
  if (offset !== chunk.bytes) throw new Error(`request body is ${offset} bytes, sized as ${chunk.bytes}`);
  return body;
}
