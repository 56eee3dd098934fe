import { formatDay } from "../feeds/time";
import { siemPathView } from "../planning/siemPath";
import { sweepAges } from "../planning/sweeps";
import { decodeDigest, encodeDigest } from "./digest";
import { SIEM_START } from "./siemBatch";
import type { SiemResume } from "./siemBatch";

/**
 * Who owns one SIEM type — the batch files or the event stream — and where the hand-over lies. Pure: the
 * state is the type's checkpointed cursor (the `siem-day` cursor the checkpoint entity already stores
 * opaquely), so a hand-over is one checkpoint write and needs no new checkpoint field.
 *
 * The rule both paths apply to every record: ownership is by the event's own time (`timestamp`, the
 * one field both see). Batch sends the event-time ranges in `batch.owns` (minus the EventIds in a range's
 * `skip` digest: what the stream already sent there); the stream sends `timestamp >= stream.from`. A
 * hand-over moves the boundary in one write; see docs/ingestion.md "SIEM: batch and stream".
 */

import type { SiemPath } from "../config/siemPaths";
export type { SiemPath };

/** One event-time range batch sends: [from, to), minus the EventIds in `skip`. */
export interface OwnedRange {
  from: number;
  /** Absent: open-ended. */
  to?: number;
  /** Hashes (digest.ts) of events the stream already sent in this range. */
  skip?: string;
  /** `skip` may be dropped after a caught-up listing at or after this time (every file that can hold them was read). */
  skipUntil?: number;
}

export interface BatchSide {
  resume: SiemResume;
  /** Day a restarted listing starts from (after a hand-back); otherwise the planner's start day. */
  fromDay?: string;
  /** Absent: batch owns every event. Empty: batch owns nothing (parked while the stream owns). */
  owns?: OwnedRange[];
  /** After a hand-over to the stream: batch finishes its ranges; done after a caught-up listing at or after this. */
  tailUntil?: number;
}

/** One 15-minute bucket of the stream's date-range axis, with what the stream sent while reading it. */
export interface StreamBucket {
  from: number;
  /** Next sweep stage (index into sweepAges); `sweepAges.length` = done. */
  stage: number;
  ids: string;
}

export interface StreamSide {
  /** The hand-over point: the stream owns events with `timestamp >= from`. */
  from: number;
  /** The date range before this has been read once. */
  edge: number;
  buckets: StreamBucket[];
  /** First failed call of the current failure streak (outage, 429s). */
  failingSince?: number;
  /**
   * First run of the current streak that used up its calls (or time) before its forward read reached
   * the head: the stream falling behind its rate limit. A run that reaches the head clears it — how long
   * ago the last run was (the schedule's interval) says nothing about keeping up.
   */
  behindSince?: number;
  lastError?: string;
  /**
   * A range read that stopped between pages (the run's calls or time ran out, or it was killed): the next
   * run goes on from the stream's own `@nextPage` instead of reading the range again from its start.
   */
  pending?: PendingRead;
}

/** Where a stream range read stands: the query's date range and the `@nextPage` of the page to read next. */
export interface PendingRead {
  from: number;
  to: number;
  token: string;
}

export interface SiemOwnerCursor {
  v: "siem-owner-1";
  owner: "batch" | "stream";
  /** Why the current owner owns the type (shown in status and health rows). */
  why: string;
  /** When it took over. */
  since: number;
  batch: BatchSide;
  stream?: StreamSide;
  /** Last time the stream was given up or found unusable (auto waits before trying it again). */
  streamGaveUpAt?: number;
}

export const BUCKET_MS = 15 * 60_000;
/** The batch file slot plus Mimecast's publishing delay: a file holding an event is listed within this. */
export const TAIL_MARGIN_MS = 30 * 60_000;
/** Stay this far inside the stream's 24 hours. */
export const STREAM_RETENTION_MARGIN_MS = 30 * 60_000;
/** auto: give the live edge back to batch after the stream failed (or was rate-limited), or could not keep up, this long. */
export const FALLBACK_AFTER_MS = 10 * 60_000;
/** auto: after giving up on the stream, try it again no sooner than this. */
export const RETRY_STREAM_AFTER_MS = 30 * 60_000;
/** Hashes the stream may keep for reconciliation (4 bytes each); above it the type goes back to batch. */
export const MAX_STREAM_DIGEST = 3000;

export const isOwnerCursor = (value: unknown): value is SiemOwnerCursor =>
  typeof value === "object" && value !== null && (value as { v?: unknown }).v === "siem-owner-1";

/** The owner cursor of a type; a plain batch cursor (from before the stream existed) means batch owns all. */
export function ownerCursorFrom(resume: unknown, now: number): SiemOwnerCursor {
  if (isOwnerCursor(resume)) return resume;
  return {
    v: "siem-owner-1",
    owner: "batch",
    why: "batch: history and backfill first",
    since: now,
    batch: { resume: (resume as SiemResume | undefined) ?? SIEM_START },
  };
}

/** Status: who owns the type, why and since when (a plain batch cursor: batch, by setting). */
export const ownerOf = siemPathView;

/** Does batch send this record? (event time, EventId hash) */
export function batchOwns(
  owns: readonly OwnedRange[] | undefined,
  skips: ReadonlyMap<OwnedRange, Set<number>>,
) {
  return (eventTime: number, hash: number): boolean =>
    owns === undefined ||
    owns.some(
      (range) =>
        eventTime >= range.from &&
        (range.to === undefined || eventTime < range.to) &&
        !(skips.get(range)?.has(hash) ?? false),
    );
}

export const bucketStart = (t: number): number => Math.floor(t / BUCKET_MS) * BUCKET_MS;

/**
 * Where the stream's delivery is final: every event (of the stream's part) with an earlier event time is
 * in Sentinel, under either order the stream may serve (see ingestion.md). Events at or after it were sent
 * by the stream only if their hash is in a bucket.
 */
export function settledPoint(stream: StreamSide, lateHorizonMs: number, stages: number): number {
  const pending = stream.buckets.find((b) => b.stage < stages);
  const z = pending ? pending.from : stream.edge;
  return Math.max(stream.from, Math.min(z, stream.edge - lateHorizonMs));
}

/** Drops buckets that no later read can meet again (done, and wholly before the settled point). */
export function pruneBuckets(stream: StreamSide, lateHorizonMs: number): StreamSide {
  const stages = sweepAges(lateHorizonMs).length;
  const settled = settledPoint(stream, lateHorizonMs, stages);
  const buckets = [...stream.buckets];
  while (buckets.length > 0 && buckets[0]!.stage >= stages && buckets[0]!.from + BUCKET_MS <= settled)
    buckets.shift();
  return { ...stream, buckets };
}

export function digestEntries(stream: StreamSide): number {
  return stream.buckets.reduce((n, b) => n + Math.floor(Buffer.from(b.ids, "base64").length / 4), 0);
}

/** Why the stream must give the type back to batch now (or undefined). */
export function handBackReason(
  cursor: SiemOwnerCursor,
  path: SiemPath,
  now: number,
  lateHorizonMs: number,
): string | undefined {
  const stream = cursor.stream;
  if (cursor.owner !== "stream" || !stream) return undefined;
  if (path === "batch") return "batch: by setting";
  const stages = sweepAges(lateHorizonMs).length;
  const oldestNeeded = stream.buckets.find((b) => b.stage < stages)?.from ?? stream.edge;
  if (Math.min(oldestNeeded, stream.edge) < now - 24 * 3600_000 + STREAM_RETENTION_MARGIN_MS)
    return `batch: the stream cannot serve what it still owes (older than its 24 hours${stream.lastError ? `; ${stream.lastError}` : ""})`;
  if (digestEntries(stream) > MAX_STREAM_DIGEST)
    return `batch: too many events to reconcile on the stream (over ${MAX_STREAM_DIGEST} in the late horizon)`;
  if (path === "stream") return undefined;
  if (stream.failingSince !== undefined && now - stream.failingSince >= FALLBACK_AFTER_MS)
    return `batch (auto): the stream has failed since ${new Date(stream.failingSince).toISOString()}${stream.lastError ? ` (${stream.lastError})` : ""}`;
  if (stream.behindSince !== undefined && now - stream.behindSince >= FALLBACK_AFTER_MS)
    return `batch (auto): the stream has not kept up since ${new Date(stream.behindSince).toISOString()} (${Math.round((now - stream.edge) / 60_000)} min behind, its rate limit)`;
  return undefined;
}

/**
 * Stream → batch. The hand-over point is the stream's settled point S: batch sends events from S on,
 * except those the stream already sent (their hashes travel along as `skip`). Batch lists again from S's
 * day, because its own cursor went past files that now hold batch's events. Only called while batch is
 * not finishing a range of its own (no `tailUntil`), so a restarted listing cannot send anything twice.
 */
export function handBack(
  cursor: SiemOwnerCursor,
  now: number,
  lateHorizonMs: number,
  why: string,
): SiemOwnerCursor {
  const stream = cursor.stream;
  if (!stream || cursor.batch.tailUntil !== undefined) return cursor;
  const stages = sweepAges(lateHorizonMs).length;
  const from = settledPoint(stream, lateHorizonMs, stages);
  const skip = encodeDigest(stream.buckets.flatMap((b) => [...decodeDigest(b.ids)]));
  const owns: OwnedRange = { from, ...(skip ? { skip, skipUntil: now + TAIL_MARGIN_MS } : {}) };
  return {
    v: "siem-owner-1",
    owner: "batch",
    why,
    since: now,
    batch: { resume: SIEM_START, fromDay: formatDay(from), owns: [owns] },
    streamGaveUpAt: now,
  };
}

/**
 * Batch → stream at H (now, whole seconds): the stream owns `timestamp >= H` from here on; batch keeps
 * its ranges cut at H and keeps reading files until every event before H can have been published and
 * listed (late events arrive up to the late horizon after their time).
 */
export function handOver(
  cursor: SiemOwnerCursor,
  now: number,
  lateHorizonMs: number,
  why: string,
): SiemOwnerCursor {
  const at = now - (now % 1000);
  const owns = (cursor.batch.owns ?? [{ from: 0 }])
    .filter((range) => range.from < at)
    .map((range) => ({ ...range, to: Math.min(range.to ?? at, at) }));
  return {
    v: "siem-owner-1",
    owner: "stream",
    why,
    since: now,
    batch: { ...cursor.batch, owns, tailUntil: at + lateHorizonMs + TAIL_MARGIN_MS },
    stream: { from: at, edge: at, buckets: [] },
    ...(cursor.streamGaveUpAt !== undefined ? { streamGaveUpAt: cursor.streamGaveUpAt } : {}),
  };
}

/** After a caught-up batch listing at `now`: finished tails park batch, old skip digests are dropped. */
export function afterBatchCaughtUp(batch: BatchSide, now: number): BatchSide {
  const owns = batch.owns?.map((range) => {
    if (range.skipUntil === undefined || now < range.skipUntil) return range;
    const { skip: _skip, skipUntil: _until, ...rest } = range;
    return rest;
  });
  if (batch.tailUntil !== undefined && now >= batch.tailUntil) {
    const { tailUntil: _tail, ...rest } = batch;
    return { ...rest, owns: [] };
  }
  return { ...batch, ...(owns ? { owns } : {}) };
}

/** May batch give the live edge to the stream now (before probing it)? */
export function mayHandOver(cursor: SiemOwnerCursor, path: SiemPath, now: number): boolean {
  if (cursor.owner !== "batch" || path === "batch") return false;
  if (
    path === "auto" &&
    cursor.streamGaveUpAt !== undefined &&
    now - cursor.streamGaveUpAt < RETRY_STREAM_AFTER_MS
  )
    return false;
  return true;
}
