import type { ReadyRow } from "./limits";
import type { SentinelRow } from "./streams";

/** Bytes per slab: about one request's worth of rows. */
const SLAB_BYTES = 1 << 20;
/** The most UTF-8 bytes one UTF-16 unit of a string can take. */
const MAX_UTF8_PER_UNIT = 3;

/** Where `RowSlabs.place` put a row's JSON and the text after it, and their UTF-8 sizes. */
export interface Placed {
  slab: Buffer;
  start: number;
  bytes: number;
  afterBytes: number;
}

/**
 * Rows (and the lines they came from) kept as UTF-8, back to back in large off-heap buffers (issue 14).
 *
 * Rows wait in memory from mapping until their request is in: a segment of a few thousand. Held as
 * objects (the row, its strings, its JSON, the record and its line) they survive the young-generation
 * collections that run meanwhile and are copied by every one of them — that copying was the largest
 * cost the SIEM path had over the raw ceiling. Held as bytes in a Buffer they cost the JS heap one small
 * object each, and the request body is assembled from the bytes without a join or a second encoding.
 */
export class RowSlabs {
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  /**
   * Writes `json` and then `after` into one slab, back to back; their UTF-8 sizes come from the write
   * (no separate measuring pass).
   */
  place(json: string, after: string): Placed {
    const need = (json.length + after.length) * MAX_UTF8_PER_UNIT;
    if (this.used + need > this.slab.length) {
      // A full slab stays alive while rows in it wait; a fresh one takes the next rows.
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need));
      this.used = 0;
    }
    const { slab } = this;
    const start = this.used;
    const bytes = slab.write(json, start, "utf8");
    const afterBytes = after === "" ? 0 : slab.write(after, start + bytes, "utf8");
    this.used += bytes + afterBytes;
    return { slab, start, bytes, afterBytes };
  }
}

/** A ready row held as bytes in a slab; its JSON text and object are rebuilt only when asked for. */
export class SlabRow implements ReadyRow {
  readonly ok = true;
  constructor(
    protected readonly slab: Buffer,
    protected readonly start: number,
    readonly bytes: number,
    readonly truncatedFields: readonly string[],
  ) {}

  get json(): string {
    return this.slab.toString("utf8", this.start, this.start + this.bytes);
  }

  get row(): SentinelRow {
    return JSON.parse(this.json) as SentinelRow;
  }

  /** Copies the row's JSON into `target` at `offset`; returns the offset after it. */
  copyTo(target: Buffer, offset: number): number {
    return offset + this.slab.copy(target, offset, this.start, this.start + this.bytes);
  }
}
