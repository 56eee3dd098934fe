import type { PreparedRow, ReadyRow } from "./limits";
import type { SentinelRow } from "./streams";

/** Bytes per slab: about one request's worth of rows. */
const SLAB_BYTES = 1 << 20;
/** The most UTF-8 bytes one UTF-16 unit of a string can take. */
const MAX_UTF8_PER_UNIT = 3;

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

  /** `prepared` with its JSON moved into a slab; a rejection is returned as it is. */
  keep(prepared: PreparedRow): PreparedRow {
    if (!prepared.ok) return prepared;
    const { bytes } = prepared;
    const start = this.room(bytes);
    const written = this.slab.write(prepared.json, start, "utf8");
    if (written !== bytes) throw new Error(`row JSON is ${written} bytes of UTF-8, sized as ${bytes}`);
    this.used += bytes;
    return new SlabRow(this.slab, start, bytes, prepared.truncatedFields);
  }

  /** `text` moved into a slab (a line kept for a dead-letter): read back with `.text`. */
  keepText(text: string): SlabText {
    const start = this.room(text.length * MAX_UTF8_PER_UNIT);
    const bytes = this.slab.write(text, start, "utf8");
    this.used += bytes;
    return new SlabText(this.slab, start, bytes);
  }

  /** Where `bytes` more fit: in this slab, or at the start of a fresh one. */
  private room(bytes: number): number {
    if (this.used + bytes > this.slab.length) {
      // A full slab stays alive while rows in it wait; a fresh one takes the next rows.
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes));
      this.used = 0;
    }
    return this.used;
  }
}

/** UTF-8 text held in a slab. */
export class SlabText {
  constructor(
    private readonly slab: Buffer,
    private readonly start: number,
    readonly bytes: number,
  ) {}

  get text(): string {
    return this.slab.toString("utf8", this.start, this.start + this.bytes);
  }

  /** Copies the bytes into `target` at `offset`; returns the offset after them. */
  copyTo(target: Buffer, offset: number): number {
    return offset + this.slab.copy(target, offset, this.start, this.start + this.bytes);
  }
}

/** A ready row held as bytes in a slab; its JSON text and object are rebuilt only when asked for. */
export class SlabRow extends SlabText implements ReadyRow {
  readonly ok = true;
  constructor(
    slab: Buffer,
    start: number,
    bytes: number,
    readonly truncatedFields: readonly string[],
  ) {
    super(slab, start, bytes);
  }

  get json(): string {
    return this.text;
  }

  get row(): SentinelRow {
    return JSON.parse(this.text) as SentinelRow;
  }
}
