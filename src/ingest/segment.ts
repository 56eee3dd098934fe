import type { MimecastClient } from "../mimecast/client";
import { fingerprintEventId } from "../feeds/eventId";
import type { MappedRecord } from "../feeds/mapping";
import type { ColumnSpec } from "../feeds/types";
import { prepareRow } from "../sentinel/limits";
import type { PreparedRow } from "../sentinel/limits";
import { validateRow } from "../sentinel/rowValidation";
import type { FailedChunk, FailureCode, Sink, UploadOutcome } from "../sentinel/sink";
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
  /** The raw record, kept for a dead-letter row when mapping (or Sentinel) rejected it. */
  raw?: unknown;
  /**
   * The row already prepared for the unit's stream by the producer (see HeldRow): sized and sent
   * as it is, never prepared again.
   */
  prepared?: PreparedRow;
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
 * Failures that say the rows themselves are the problem (400, 413, a row too large or not matching the
 * stream): sending them again unchanged fails again, so a unit would be stuck on them forever.
 */
const ROW_REJECTIONS: ReadonlySet<FailureCode> = new Set([
  "bad-request",
  "payload-too-large",
  "row-too-large",
  "schema-mismatch",
]);

export const isRowRejection = (failure: FailedChunk): boolean => ROW_REJECTIONS.has(failure.code);

/**
 * Uploads a segment in order: its dead-letters first, then its rows, each in requests of at most one
 * service call, stopping at the first failure. Because every call is all-or-nothing and calls are
 * sequential, what was accepted is always a prefix, and `progress` says exactly where to resume —
 * nothing lost, nothing sent twice (except rows of an ambiguous call, which carry their EventId).
 *
 * A request Sentinel rejects for its contents (400/413/row too large) is retried by halves down to the
 * single rows it still rejects; those become dead-letters with Sentinel's reason, and the segment goes on.
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
  /** Bytes of JSON per request (default REQUEST_BUDGET_BYTES); tests make it small. */
  requestBudgetBytes?: number;
  /**
   * Called after each accepted request that leaves rows of the segment still to send, with the exact
   * progress so far and the segment's counts: a checkpoint there repeats at most one request after a kill.
   */
  onRequestAccepted?: SegmentCheckpoint;
}): Promise<SegmentResult> {
  const { sink, stream, feedId, now, signal } = params;
  const upload = { ...(signal ? { signal } : {}), budgetBytes: params.requestBudgetBytes };
  const counts = zeroCounts();
  const pending = params.items.filter((i) => i.position >= params.progress.safeThrough);
  const end = pending.length > 0 ? pending[pending.length - 1]!.position + 1 : params.progress.safeThrough;
  const { safeThrough } = params.progress;
  let { deadLetteredThrough } = params.progress;

  const deadLetters = pending.filter((i) => i.mapped.kind !== "row" && i.position >= deadLetteredThrough);
  if (deadLetters.length > 0) {
    const rows = deadLetters.map((i) => deadLetterRow(feedId, i, now));
    const sent = await uploadOrdered(sink, DEAD_LETTER_STREAM, rows, upload.signal, upload);
    counts.deadLettered += sent.accepted;
    counts.ambiguous += sent.ambiguous;
    if (sent.failure) {
      deadLetteredThrough = deadLetters[sent.accepted]!.position;
      return { progress: { safeThrough, deadLetteredThrough }, counts, failure: sent.failure };
    }
  }
  deadLetteredThrough = Math.max(deadLetteredThrough, end);

  const rowItems = pending.filter((i) => i.mapped.kind === "row");
  /** Row items done (accepted or dead-lettered) so far: always a prefix of rowItems. */
  let segmentDone = 0;
  const checkpoint = params.onRequestAccepted;
  // Only whole accepted requests and dead-lettered rows move it, so it never runs ahead of what is safe.
  const advance = async (rows: number): Promise<void> => {
    segmentDone += rows;
    if (checkpoint && segmentDone < rowItems.length) {
      await checkpoint({ safeThrough: rowItems[segmentDone]!.position, deadLetteredThrough }, { ...counts });
    }
  };

  /** Sends `items` in order; returns how many are done (accepted or dead-lettered) and why it stopped. */
  const send = async (items: readonly SegmentItem[]): Promise<{ done: number; failure?: FailedChunk }> => {
    let done = 0;
    // Bounded: every pass either returns or moves `done` forward by at least one row.
    while (done < items.length) {
      // Rows of whole accepted requests are counted as they land, so a checkpoint's counts are exact.
      let counted = 0;
      const onRequestAccepted = async (rows: number): Promise<void> => {
        counted += rows;
        counts.ingested += rows;
        await advance(rows);
      };
      const rest = items.slice(done);
      // A sink that sends prepared rows as they are never reads the row of an item prepared already:
      // its object is not rebuilt from the bytes.
      const rows = rest.map((item) => (sink.sendsPrepared && item.prepared ? HELD_AS_BYTES : rowOf(item)));
      const sent = await uploadOrdered(sink, stream, rows, upload.signal, {
        ...upload,
        typed: rest.map((item) => typedFor(item, stream)),
        prepared: rest.map((item) => item.prepared),
        onRequestAccepted,
      });
      counts.ingested += sent.accepted - counted;
      counts.ambiguous += sent.ambiguous;
      done += sent.accepted;
      if (!sent.failure) return { done };
      if (!isRowRejection(sent.failure)) return { done, failure: sent.failure };
      const rejected = items.slice(done, done + Math.max(1, sent.failedRequestRows ?? 1));
      if (rejected.length === 1) {
        const item = rejected[0]!;
        const reason = `Sentinel rejected the row: ${sent.failure.message}`;
        const stored = await uploadOrdered(
          sink,
          DEAD_LETTER_STREAM,
          [deadLetterRow(feedId, item, now, reason)],
          upload.signal,
          upload,
        );
        counts.deadLettered += stored.accepted;
        counts.ambiguous += stored.ambiguous;
        if (stored.failure) return { done, failure: stored.failure };
        done += 1;
        await advance(1);
        continue;
      }
      const half = Math.ceil(rejected.length / 2);
      for (const part of [rejected.slice(0, half), rejected.slice(half)]) {
        const result = await send(part);
        done += result.done;
        if (result.failure) return { done, failure: result.failure };
      }
    }
    return { done };
  };

  const result = await send(rowItems);
  if (result.failure) {
    return {
      progress: { safeThrough: rowItems[result.done]!.position, deadLetteredThrough },
      counts,
      failure: result.failure,
    };
  }
  return { progress: { safeThrough: end, deadLetteredThrough }, counts };
}

const rowOf = (item: SegmentItem): SentinelRow => (item.mapped.kind === "row" ? item.mapped.row : {});

/** Stands for a row a `sendsPrepared` sink is given prepared (and so never reads). */
const HELD_AS_BYTES: SentinelRow = Object.freeze({});

/** Whether the item's row is proven to match `stream` as it is (no value-by-value check needed). */
const typedFor = (item: SegmentItem, stream: StreamSchema): boolean =>
  item.mapped.kind === "row" && item.mapped.typedBy !== undefined && conformsTo(stream, item.mapped.typedBy);

/**
 * Whether a row the mapper proved typed by `columns` (see MappedRecord.typedBy) matches `stream`: the
 * stream declares each of those columns with the same type, and the common columns a row holds
 * (EventTime, EventId, AdditionalFields; TimeGenerated may go undeclared) with theirs. Decided once per
 * pair: streams and column lists are fixed objects.
 */
export function conformsTo(stream: StreamSchema, columns: readonly ColumnSpec[]): boolean {
  let answers = conformance.get(stream);
  if (!answers) {
    answers = new WeakMap();
    conformance.set(stream, answers);
  }
  let answer = answers.get(columns);
  if (answer === undefined) {
    const declared = new Map(stream.columns.map((column) => [column.name, column.type]));
    const timeGenerated = declared.get("TimeGenerated");
    answer =
      (timeGenerated === undefined || timeGenerated === "datetime") &&
      declared.get("EventTime") === "datetime" &&
      declared.get("EventId") === "string" &&
      declared.get("AdditionalFields") === "dynamic" &&
      columns.every((column) => declared.get(column.name) === column.type);
    answers.set(columns, answer);
  }
  return answer;
}

const conformance = new WeakMap<StreamSchema, WeakMap<readonly ColumnSpec[], boolean>>();

/**
 * Dead-letter row: where it came from, why, and the raw text (truncated by the sink if huge). `reason`
 * overrides the mapper's (used when Sentinel rejected a mapped row).
 */
export function deadLetterRow(feedId: string, item: SegmentItem, now: number, reason?: string): SentinelRow {
  const raw =
    item.mapped.kind === "bad-line"
      ? item.mapped.raw
      : typeof item.raw === "string"
        ? item.raw
        : (JSON.stringify(item.raw) ?? JSON.stringify(rowOf(item)));
  return {
    TimeGenerated: new Date(now).toISOString(),
    EventId: fingerprintEventId(`dead-letter:${feedId}`, { at: item.sourcePosition, raw }),
    Feed: feedId,
    Reason: reason ?? (item.mapped.kind === "row" ? "" : item.mapped.reason),
    RawData: raw ?? "",
    SourcePosition: item.sourcePosition,
  };
}

interface OrderedUpload {
  /** Rows accepted, from the start of the input, before the first failure. */
  accepted: number;
  ambiguous: number;
  failure?: FailedChunk;
  /** Rows of the failed request from its first unaccepted row on (what a row-level retry must cover). */
  failedRequestRows?: number;
}

/** A mid-segment checkpoint: where the segment is safely done, and its counts so far. */
export type SegmentCheckpoint = (progress: SegmentProgress, counts: IngestCounts) => Promise<void>;

/**
 * Sequential requests of ≤ `budgetBytes` (default REQUEST_BUDGET_BYTES), stopping at the first failure.
 * A row the sink would reject on its own (too large even after truncation, or not matching the stream)
 * travels in a request of its own, so no sink ever accepts rows *behind* a rejected one — what was
 * accepted stays a prefix.
 */
export async function uploadOrdered(
  sink: Sink,
  stream: StreamSchema,
  rows: readonly SentinelRow[],
  signal?: AbortSignal,
  options: {
    budgetBytes?: number | undefined;
    /** Per row: proven to match the stream (see `conformsTo`), so only its size is checked. */
    typed?: readonly boolean[];
    /** Per row: the row prepared for `stream` already, when it was (then `rows[i]` need not be read). */
    prepared?: readonly (PreparedRow | undefined)[];
    /** After each request accepted whole, with its row count (a checkpoint may follow). */
    onRequestAccepted?: (rows: number) => Promise<void>;
  } = {},
): Promise<OrderedUpload> {
  const budget = options.budgetBytes ?? REQUEST_BUDGET_BYTES;
  let accepted = 0;
  let ambiguous = 0;
  let start = 0;
  // Each row is prepared (serialised, sized, truncated if need be) once, here, and handed to the sink.
  const prepared: (PreparedRow | undefined)[] = options.prepared
    ? [...options.prepared]
    : new Array<PreparedRow | undefined>(rows.length);
  const sizing: Sizing = { rows, prepared, typed: options.typed, stream };
  while (start < rows.length) {
    const end = requestEnd(sizing, start, budget);
    const batch = rows.slice(start, end);
    let outcome: UploadOutcome;
    try {
      outcome = await sink.upload(stream, batch, {
        ...(signal ? { signal } : {}),
        prepared: prepared.slice(start, end),
      });
    } catch (error) {
      // A sink must report failures as values; one that throws tells us nothing about what landed.
      const message = `${stream.streamName}: ${batch.length} records: outcome unknown, the sink threw: ${error instanceof Error ? error.message : String(error)}`;
      return {
        accepted,
        ambiguous: ambiguous + batch.length,
        failure: { firstIndex: 0, count: batch.length, code: "ambiguous", message, retryable: true },
        failedRequestRows: batch.length,
      };
    }
    const prefix = outcome.failedIndexes[0] ?? batch.length;
    accepted += prefix;
    // Rows the sink accepted behind a failed one will be sent again: they may exist twice.
    ambiguous += outcome.ambiguous + Math.max(0, outcome.accepted - prefix);
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
        failedRequestRows: batch.length - prefix,
      };
    }
    start = end;
    await options.onRequestAccepted?.(batch.length);
  }
  return { accepted, ambiguous };
}

/** The rows of one `uploadOrdered` call, and what is known of them so far. */
interface Sizing {
  rows: readonly SentinelRow[];
  /** Filled as rows are sized; what the sink is given. */
  prepared: (PreparedRow | undefined)[];
  typed: readonly boolean[] | undefined;
  stream: StreamSchema;
}

/** End (exclusive) of the request starting at `start`: as many rows as fit, a lone row if it must be alone. */
function requestEnd(sizing: Sizing, start: number, budget: number): number {
  let bytes = 2; // "[" and "]"
  let end = start;
  while (end < sizing.rows.length) {
    const sized = sizeAlone(sizing, end);
    if (sized === "alone") return end === start ? start + 1 : end;
    if (end > start && bytes + sized + 1 > budget) break;
    bytes += sized + 1;
    end += 1;
  }
  return end;
}

/** The row's JSON size as the sink will send it, or "alone" when the sink would reject it by itself. */
function sizeAlone(sizing: Sizing, index: number): number | "alone" {
  const { rows, stream } = sizing;
  const prepared = (sizing.prepared[index] ??= prepareRow(rows[index]!, stream));
  if (!prepared.ok) return "alone";
  // A proven row left as it was needs no value-by-value check; a truncated one is checked anyway.
  const proven = sizing.typed?.[index] === true && prepared.truncatedFields.length === 0;
  if (!proven && validateRow(prepared.row, stream).length > 0) return "alone";
  return prepared.bytes;
}

/** What every ingestion unit's caller provides besides the feed and the position to start from. */
export interface UnitJobBase {
  client: MimecastClient;
  sink: Sink;
  stream: StreamSchema;
  /** Stop at the next boundary after this time (epoch ms) and report `partial`. */
  deadline?: number;
  now: () => number;
  signal?: AbortSignal;
  /** Override of REQUEST_BUDGET_BYTES (tests). */
  requestBudgetBytes?: number;
  /**
   * Called after each request Sentinel accepted (one ≤ 900 KB call) and at the unit's end, with the
   * unit's exact resume point and its counts so far, so the caller can checkpoint mid-unit: a kill, a
   * recycle or a second execution then repeats at most the request in flight. `digest`: identities
   * (encoded, see digest.ts) of records handled since the last call, for a window's first pass.
   */
  onSegmentAccepted?: (resume: unknown, counts: IngestCounts, digest?: string) => Promise<void>;
}

/** `uploadSegment` with a unit job's sink, stream, clock, signal and request budget. */
export function uploadUnitSegment(
  job: UnitJobBase,
  feedId: string,
  items: readonly SegmentItem[],
  progress: SegmentProgress,
  onRequestAccepted?: SegmentCheckpoint,
): Promise<SegmentResult> {
  return uploadSegment({
    sink: job.sink,
    stream: job.stream,
    feedId,
    items,
    progress,
    now: job.now(),
    ...(onRequestAccepted && job.onSegmentAccepted ? { onRequestAccepted } : {}),
    ...(job.signal ? { signal: job.signal } : {}),
    ...(job.requestBudgetBytes !== undefined ? { requestBudgetBytes: job.requestBudgetBytes } : {}),
  });
}
