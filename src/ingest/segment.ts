import { fingerprintEventId } from "../feeds/eventId";
import type { MappedRecord } from "../feeds/mapping";
import type { FailedChunk, Sink } from "../sentinel/sink";
import type { SentinelRow, StreamSchema } from "../sentinel/streams";
import { DEAD_LETTER_STREAM } from "./streams";
import type { IngestCounts } from "./types";
import { zeroCounts } from "./types";

/** One input record (or unparseable line) at an ordered position inside a unit of work. */
export interface SegmentItem {
  /** Strictly increasing within a unit (record index on a page, line number in a file). */
  position: number;
  /** Human-readable origin for the dead-letter table (page token / file and line). */
  sourcePosition: string;
  mapped: MappedRecord | { kind: "bad-line"; reason: string; raw: string };
  /** The raw record, kept for a dead-letter row when mapping rejected it. */
  raw?: unknown;
}

/**
 * How far a unit is safely done. Everything before `safeThrough` is in Sentinel (rows) or the
 * dead-letter table; dead-letters before `deadLetteredThrough` are stored even if rows before it are
 * not yet, so a retry never stores a dead-letter twice.
 */
export interface SegmentProgress {
  safeThrough: number;
  deadLetteredThrough: number;
}

export interface SegmentResult {
  progress: SegmentProgress;
  counts: IngestCounts;
  /** The first failure that stopped the segment, if any. */
  failure?: FailedChunk;
}

/** Rows per request stay under this many bytes of JSON, so one upload call is one service request. */
export const REQUEST_BUDGET_BYTES = 900_000;

/**
 * Uploads a segment in order: its dead-letters first, then its rows, each in requests of at most one
 * service call, stopping at the first failure. Because every call is all-or-nothing and calls are
 * sequential, what was accepted is always a prefix, and `progress` says exactly where to resume —
 * nothing lost, nothing sent twice (except rows of an ambiguous call, which carry their EventId).
 */
export async function uploadSegment(params: {
  sink: Sink;
  stream: StreamSchema;
  feedId: string;
  items: readonly SegmentItem[];
  progress: SegmentProgress;
  /** Ingestion time for dead-letter rows (they have no readable event time). */
  now: number;
  signal?: AbortSignal;
}): Promise<SegmentResult> {
  const { sink, stream, feedId, items, now, signal } = params;
  const counts = zeroCounts();
  const pending = items.filter((i) => i.position >= params.progress.safeThrough);
  const end = pending.length > 0 ? pending[pending.length - 1]!.position + 1 : params.progress.safeThrough;
  let { safeThrough, deadLetteredThrough } = params.progress;

  const deadLetters = pending.filter((i) => i.mapped.kind !== "row" && i.position >= deadLetteredThrough);
  if (deadLetters.length > 0) {
    const rows = deadLetters.map((i) => deadLetterRow(feedId, i, now));
    const sent = await uploadOrdered(sink, DEAD_LETTER_STREAM, rows, signal);
    counts.deadLettered += sent.accepted;
    counts.ambiguous += sent.ambiguous;
    if (sent.failure) {
      deadLetteredThrough = deadLetters[sent.accepted]!.position;
      return { progress: { safeThrough, deadLetteredThrough }, counts, failure: sent.failure };
    }
  }
  deadLetteredThrough = Math.max(deadLetteredThrough, end);

  const rowItems = pending.filter((i) => i.mapped.kind === "row");
  const rows = rowItems.map((i) => (i.mapped.kind === "row" ? i.mapped.row : {}));
  const sent = await uploadOrdered(sink, stream, rows, signal);
  counts.ingested += sent.accepted;
  counts.ambiguous += sent.ambiguous;
  safeThrough = sent.failure ? rowItems[sent.accepted]!.position : end;
  return {
    progress: { safeThrough, deadLetteredThrough },
    counts,
    ...(sent.failure ? { failure: sent.failure } : {}),
  };
}

/** Dead-letter row: where it came from, why, and the raw text (truncated by the sink if huge). */
export function deadLetterRow(feedId: string, item: SegmentItem, now: number): SentinelRow {
  const raw =
    item.mapped.kind === "bad-line"
      ? item.mapped.raw
      : typeof item.raw === "string"
        ? item.raw
        : JSON.stringify(item.raw);
  const reason = item.mapped.kind === "row" ? "" : item.mapped.reason;
  return {
    TimeGenerated: new Date(now).toISOString(),
    EventId: fingerprintEventId(`dead-letter:${feedId}`, { at: item.sourcePosition, raw }),
    Feed: feedId,
    Reason: reason,
    RawData: raw ?? "",
    SourcePosition: item.sourcePosition,
  };
}

interface OrderedUpload {
  accepted: number;
  ambiguous: number;
  failure?: FailedChunk;
}

/** Sequential requests of ≤ REQUEST_BUDGET_BYTES, stopping at the first failure. */
export async function uploadOrdered(
  sink: Sink,
  stream: StreamSchema,
  rows: readonly SentinelRow[],
  signal?: AbortSignal,
): Promise<OrderedUpload> {
  let accepted = 0;
  let ambiguous = 0;
  let start = 0;
  while (start < rows.length) {
    let bytes = 2;
    let end = start;
    while (end < rows.length) {
      const size = Buffer.byteLength(JSON.stringify(rows[end])) + 1;
      if (end > start && bytes + size > REQUEST_BUDGET_BYTES) break;
      bytes += size;
      end += 1;
    }
    const batch = rows.slice(start, end);
    const outcome = await sink.upload(stream, batch, signal ? { signal } : {});
    ambiguous += outcome.ambiguous;
    const prefix = outcome.failedIndexes[0] ?? batch.length;
    accepted += prefix;
    if (prefix < batch.length) {
      const failure = outcome.failed[0];
      return {
        accepted,
        ambiguous,
        failure: failure ?? {
          firstIndex: prefix,
          count: batch.length - prefix,
          code: "unexpected",
          message: "rows not accepted",
          retryable: true,
        },
      };
    }
    start = end;
  }
  return { accepted, ambiguous };
}
