import type { PreparedRow } from "./limits";
import type { SentinelRow, StreamSchema } from "./streams";

/**
 * Where mapped rows go: the Logs Ingestion API in Azure, NDJSON files locally. Every sink reports, per
 * input row, whether it was accepted, so the caller can advance a checkpoint over the accepted prefix
 * only and retry (or dead-letter) the rest.
 */
export interface Sink {
  upload(stream: StreamSchema, rows: readonly SentinelRow[], options?: UploadOptions): Promise<UploadOutcome>;
  /**
   * True when the sink sends `options.prepared` as it is and never reads `rows` when that is given:
   * a caller may then pass rows it holds only as bytes (see RowSlabs) without rebuilding their objects.
   */
  readonly sendsPrepared?: boolean;
  close?(): Promise<void>;
}

export interface UploadOptions {
  /** Stops scheduling further requests; rows not yet sent come back as `not-sent`. */
  signal?: AbortSignal;
  /**
   * `prepareRow(row, stream)` of each row, aligned with `rows`, when the caller made it already (the
   * segment does, to size requests): a sink uses it instead of serialising the row again.
   */
  prepared?: readonly (PreparedRow | undefined)[];
}

export interface UploadOutcome {
  /** Rows the destination confirmed. */
  accepted: number;
  /** Every contiguous range of rows that is not known to be accepted, by input index, in order. */
  failed: FailedChunk[];
  /** Indexes (into the input `rows`) of rows not known to be accepted, ascending. */
  failedIndexes: number[];
  /**
   * Rows whose request was sent but whose outcome is unknown (timeout or abort after sending). They are
   * also in `failed`/`failedIndexes`: resending may duplicate them, which queries remove by EventId.
   */
  ambiguous: number;
}

/**
 * Why a request or a row failed.
 * - `not-sent`: the upload was aborted before this chunk was attempted.
 * - `ambiguous`: sent, but no answer (timeout, abort, connection reset): the rows may have landed.
 * - `network`: the connection was never made (refused, DNS), so the rows did not land.
 * - `credential`: no token could be obtained (managed identity missing or unreachable).
 * - `throttled` / `server-error`: 429 / 5xx still failing after the pipeline's retries.
 * - `forbidden` / `not-found`: 401, 403 / 404 — configuration (role assignment, DCR, stream, endpoint).
 * - `bad-request`: 400 — the service rejected the rows (its message names the field).
 * - `payload-too-large`: 413.
 * - `row-too-large`: a single row above the request limit even after field truncation.
 * - `schema-mismatch`: the row does not match the stream's declared columns (local sink).
 * - `write-failed`: the local sink could not append to its file.
 * - `http-error` / `unexpected`: anything else.
 */
export type FailureCode =
  | "not-sent"
  | "ambiguous"
  | "network"
  | "credential"
  | "throttled"
  | "server-error"
  | "forbidden"
  | "not-found"
  | "bad-request"
  | "payload-too-large"
  | "row-too-large"
  | "schema-mismatch"
  | "write-failed"
  | "http-error"
  | "unexpected";

export interface FailedChunk {
  /** Index of the chunk's first row in the input `rows`; the chunk covers `count` consecutive rows. */
  firstIndex: number;
  count: number;
  /** HTTP status when the service answered. */
  status?: number;
  code: FailureCode;
  /** Names the stream and the record count; never contains row contents. */
  message: string;
  /**
   * True when the same rows may succeed later unchanged (transient faults, and configuration faults such
   * as a missing role assignment that an operator can fix). False when the rows themselves are the
   * problem and resending them will fail again (400, 413, oversize rows, schema mismatches).
   */
  retryable: boolean;
  /** The service's last Retry-After, when it sent one. */
  retryAfterMs?: number;
}

/** Assembles the outcome of an upload of `rowCount` rows from its failures (in any order). */
export function outcomeFromFailures(rowCount: number, failures: readonly FailedChunk[]): UploadOutcome {
  const failed = [...failures].sort((a, b) => a.firstIndex - b.firstIndex);
  const failedIndexes: number[] = [];
  let ambiguous = 0;
  for (const chunk of failed) {
    for (let i = 0; i < chunk.count; i++) failedIndexes.push(chunk.firstIndex + i);
    if (chunk.code === "ambiguous") ambiguous += chunk.count;
  }
  return { accepted: rowCount - failedIndexes.length, failed, failedIndexes, ambiguous };
}

/** How many rows from the start of the input were all accepted: how far a checkpoint may advance. */
export function acceptedPrefixLength(outcome: UploadOutcome, rowCount: number): number {
  return outcome.failedIndexes[0] ?? rowCount;
}
