import type { ColumnSpec } from "../feeds/types";
import type { MappedRecord } from "../feeds/mapping";
import { NOTHING_CUT, fitsUncut, prepareRow } from "../sentinel/limits";
import type { Placed, RowSlabs } from "../sentinel/rowSlabs";
import { SlabRow } from "../sentinel/rowSlabs";
import type { StreamSchema } from "../sentinel/streams";
import type { SegmentItem } from "./segment";

/**
 * A row item held as bytes until its request is in (issue 14). One object is the segment item, its
 * mapped record and its prepared row at once, and the row's JSON and the line it was read from sit in a
 * slab (off the JS heap): a waiting row costs the young generation one small object, not the ~70 of
 * a record, a row and their strings. `row`, `eventId`, `raw` (the line, for a dead-letter should
 * Sentinel refuse the row) and `sourcePosition` are rebuilt when read, which the upload path does not do.
 */
export class HeldRow extends SlabRow implements SegmentItem {
  readonly kind = "row";
  readonly eventTime: number;
  readonly typedBy: readonly ColumnSpec[] | undefined;

  constructor(
    readonly position: number,
    /** `sourcePosition` without the position: shared by every line of a file. */
    private readonly where: string,
    mapped: Extract<MappedRecord, { kind: "row" }>,
    placed: Placed,
    truncatedFields: readonly string[],
  ) {
    super(placed.slab, placed.start, placed.bytes, truncatedFields);
    this.eventTime = mapped.eventTime;
    this.typedBy = mapped.typedBy;
    this.lineBytes = placed.afterBytes;
  }

  private readonly lineBytes: number;

  get mapped(): this {
    return this;
  }

  get prepared(): this {
    return this;
  }

  /** Read from the row (the upload path does not ask): one string less held per waiting row. */
  get eventId(): string {
    return String(this.row["EventId"]);
  }

  get sourcePosition(): string {
    return this.where + String(this.position);
  }

  /** The line as served. */
  get raw(): string {
    const end = this.start + this.bytes;
    return this.slab.toString("utf8", end, end + this.lineBytes);
  }
}

/**
 * The mapped row prepared for `stream` now and held as bytes in `slabs` (see HeldRow), or undefined
 * when it is too large to send (the caller keeps it as an ordinary item, to be dead-lettered). Only for
 * a sink that `sendsPrepared`. `where` + `position` is the item's `sourcePosition`.
 */
export function heldRow(
  position: number,
  mapped: Extract<MappedRecord, { kind: "row" }>,
  stream: StreamSchema,
  slabs: RowSlabs,
  line: string,
  where: string,
): HeldRow | undefined {
  const json = JSON.stringify(mapped.row);
  // Nearly every row: within the limits by its length alone, so it is written as it is, sized by the write.
  if (fitsUncut(json)) return new HeldRow(position, where, mapped, slabs.place(json, line), NOTHING_CUT);
  const prepared = prepareRow(mapped.row, stream);
  if (!prepared.ok) return undefined;
  return new HeldRow(position, where, mapped, slabs.place(prepared.json, line), prepared.truncatedFields);
}
