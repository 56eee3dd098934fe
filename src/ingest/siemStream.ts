import { fingerprintEventId } from "../feeds/eventId";
import { mapRecord } from "../feeds/mapping";
import type { MappedRecord } from "../feeds/mapping";
import { SIEM_STREAM_FAMILY, SIEM_STREAM_MAX_PAGE_SIZE, SIEM_STREAM_PATH } from "../feeds/siemStream";
import type { SiemBatchFeedSpec } from "../feeds/types";
import type { MimecastClient } from "../mimecast/client";
import type { SiemBatchKind } from "../mimecast/endpoints";
import { MimecastBadResponseError, isMimecastError, isRateLimited } from "../mimecast/errors";
import { sweepAges } from "../planning/sweeps";
import { decodeDigest, encodeDigest, hashEventId } from "./digest";
import { ingestSiemBatch } from "./siemBatch";
import type { SiemResume } from "./siemBatch";
import {
  BUCKET_MS,
  afterBatchCaughtUp,
  batchOwns,
  bucketStart,
  handBack,
  handBackReason,
  handOver,
  isOwnerCursor,
  mayHandOver,
  ownerCursorFrom,
  pruneBuckets,
} from "./siemOwner";
import type { OwnedRange, PendingRead, SiemOwnerCursor, SiemPath, StreamSide } from "./siemOwner";
import type { SegmentItem, SegmentProgress } from "./segment";
import { uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import type { IngestCounts, UnitOutcome } from "./types";
import { BUDGET_USED, addCounts, pastDeadline, zeroCounts } from "./types";

/**
 * One SIEM type, batch and stream together (issue 13): the type's cursor says which path owns it
 * (siemOwner.ts); this unit runs the owner — and batch's unfinished part right after a hand-over — and
 * moves the hand-over point when the setting and the stream's health say so.
 */
export interface SiemTypeJob extends UnitJobBase {
  feed: SiemBatchFeedSpec;
  type: string;
  /** Where a new batch listing starts (the planner's start day). */
  fromDay: string;
  resume?: unknown;
  path: SiemPath;
  /** How late Mimecast may publish an event after its time (MIMECAST_LATE_HORIZON_SECONDS). */
  lateHorizonMs: number;
  /** Stream reads end this far behind now. */
  streamLagMs?: number;
  /** Stream calls one run may make (the stream's quota is lower than batch's). */
  maxStreamCalls?: number;
  pageSize?: number;
  /** Batch job extras (tests). */
  batchPageSize?: number;
}

export const STREAM_LAG_MS = 10_000;
const PAGE_LIMIT = "page limit reached; continuing in the next activity";
/** A partial that stopped on the run's own limits (calls, time, pages), not on a failure. */
const outOfBudget = (outcome: { reason?: string }): boolean =>
  outcome.reason === BUDGET_USED || outcome.reason === PAGE_LIMIT;
const DEFAULT_MAX_STREAM_CALLS = 40;
const MAX_PAGES_PER_RANGE = 500;

export async function ingestSiemType(job: SiemTypeJob): Promise<UnitOutcome<unknown>> {
  if (job.path === "batch" && !isOwnerCursor(job.resume))
    return runBatch(job, job.resume as SiemResume, undefined, (resume) => resume);
  let cursor = ownerCursorFrom(job.resume, job.now());
  let counts = zeroCounts();

  const reason = handBackReason(cursor, job.path, job.now(), job.lateHorizonMs);
  if (reason !== undefined) {
    cursor =
      cursor.batch.tailUntil === undefined
        ? handBack(cursor, job.now(), job.lateHorizonMs, reason)
        : { ...cursor, why: `stream (${reason}; batch takes over once it has finished its part)` };
  }

  if (cursor.owner === "batch" || cursor.batch.tailUntil !== undefined) {
    const owner = cursor;
    const result = await runBatch(job, cursor.batch.resume, cursor.batch, (resume) => ({
      ...owner,
      batch: { ...owner.batch, resume },
    }));
    counts = addCounts(counts, result.counts);
    cursor = { ...cursor, batch: { ...cursor.batch, resume: result.resume as SiemResume } };
    if (result.kind !== "completed") return { ...result, counts, resume: cursor };
    cursor = { ...cursor, batch: afterBatchCaughtUp(cursor.batch, job.now()) };
    if (mayHandOver(cursor, job.path, job.now())) {
      const probe = await probeStream(job);
      cursor =
        probe === undefined
          ? handOver(cursor, job.now(), job.lateHorizonMs, handOverWhy(job.path))
          : { ...cursor, why: `batch: stream not usable (${probe})`, streamGaveUpAt: job.now() };
    }
    if (cursor.owner === "batch") return finished(job, { kind: "completed", counts, resume: cursor });
  }

  const owner = cursor;
  const stream = await runStream(job, cursor.stream!, (state) => ({ ...owner, stream: state }), counts);
  cursor = { ...cursor, stream: stream.state };
  return finished(job, {
    ...stream.outcome,
    counts: addCounts(counts, stream.outcome.counts),
    resume: cursor,
  });
}

/**
 * A completed unit checkpoints its end, so a second execution of it (at-least-once) starts there and
 * finds nothing left to send.
 */
async function finished(job: SiemTypeJob, outcome: UnitOutcome<unknown>): Promise<UnitOutcome<unknown>> {
  if (outcome.kind === "completed") await job.onSegmentAccepted?.(outcome.resume, outcome.counts);
  return outcome;
}

function handOverWhy(path: SiemPath): string {
  return path === "stream"
    ? "stream: by setting (batch caught up)"
    : "stream (auto): batch caught up and the stream answers";
}

/** Batch for its owned ranges (all of them for a plain cursor). */
function runBatch(
  job: SiemTypeJob,
  resume: SiemResume | undefined,
  side: SiemOwnerCursor["batch"] | undefined,
  /** The unit's resume point with the batch side at `resume` (mid-unit checkpoints carry the whole cursor). */
  positionAt: (resume: SiemResume) => unknown,
): Promise<UnitOutcome<unknown>> {
  const checkpoint = job.onSegmentAccepted;
  const owns = side?.owns;
  const skips = new Map<OwnedRange, Set<number>>();
  for (const range of owns ?? []) if (range.skip) skips.set(range, decodeDigest(range.skip));
  const owned = batchOwns(owns, skips);
  return ingestSiemBatch({
    client: job.client,
    feed: job.feed,
    type: job.type,
    sink: job.sink,
    stream: job.stream,
    fromDay: side?.fromDay ?? job.fromDay,
    ...(resume !== undefined ? { resume } : {}),
    ...(job.deadline !== undefined ? { deadline: job.deadline } : {}),
    now: job.now,
    ...(job.signal ? { signal: job.signal } : {}),
    ...(job.requestBudgetBytes !== undefined ? { requestBudgetBytes: job.requestBudgetBytes } : {}),
    ...(job.batchPageSize !== undefined ? { pageSize: job.batchPageSize } : {}),
    ...(checkpoint
      ? {
          onSegmentAccepted: (at: unknown, counts: IngestCounts) =>
            checkpoint(positionAt(at as SiemResume), counts),
        }
      : {}),
    ...(owns !== undefined
      ? {
          keep: (mapped: MappedRecord) =>
            mapped.kind !== "row" || owned(mapped.eventTime, hashEventId(mapped.eventId)),
        }
      : {}),
  });
}

/**
 * A carried-over `@nextPage` that fails (expired, unknown, or a server that chokes on it) is dropped for a
 * read from the range's start, so a bad token can never stall the type; a 429 is only a pause.
 */
const staleToken = (error: unknown): boolean => isMimecastError(error) && !isRateLimited(error);

export interface StreamPage {
  records: Record<string, unknown>[];
  nextPage?: string;
  isCaughtUp: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const streamQuery = (job: SiemTypeJob) => ({ kind: job.feed.window.batchKind, type: job.type });

/** One call to `GET /siem/v1/events/{cg|ci}` for one type (also the doctor's stream probe). */
export async function fetchStreamPage(
  client: MimecastClient,
  query: { kind: SiemBatchKind; type: string; from: number; to: number; nextPage?: string; pageSize: number },
): Promise<StreamPage> {
  const { kind, nextPage, pageSize } = query;
  const path = SIEM_STREAM_PATH[kind];
  const range = { from: query.from, to: query.to };
  const body = await client.getJson(path, SIEM_STREAM_FAMILY[kind], {
    types: query.type,
    dateRangeStartsAt: iso(range.from),
    dateRangeEndsAt: iso(range.to),
    pageSize,
    nextPage,
  });
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value) || !value.every((r) => typeof r === "object" && r !== null && !Array.isArray(r)))
    throw new MimecastBadResponseError(`${path}: response has no "value" array of events`, path, 200);
  const next = (body as Record<string, unknown>)["@nextPage"];
  return {
    records: value as Record<string, unknown>[],
    ...(typeof next === "string" && next.length > 0 ? { nextPage: next } : {}),
    isCaughtUp: (body as Record<string, unknown>)["isCaughtUp"] === true,
  };
}

/** One small call: does the stream answer for this type? undefined = yes, else why not. */
async function probeStream(job: SiemTypeJob): Promise<string | undefined> {
  const now = job.now();
  try {
    await fetchStreamPage(job.client, { ...streamQuery(job), from: now - 60_000, to: now, pageSize: 1 });
    return undefined;
  } catch (error) {
    if (!isMimecastError(error) && !(error instanceof Error)) throw error;
    return error instanceof Error ? error.message : String(error);
  }
}

interface BucketWork {
  from: number;
  stage: number;
  ids: Set<number>;
}

/**
 * The stream's part: read the date range forward in bucket-aligned pieces up to `now − lag`, then
 * re-read each finished bucket at the sweep ages (late events), sending only events the stream owns
 * (`timestamp >= from`) whose hash no bucket holds yet — which also drops the stream's repeated events.
 */
async function runStream(
  job: SiemTypeJob,
  start: StreamSide,
  /** The unit's resume point with the stream side at `state` (mid-unit checkpoints carry the whole cursor). */
  positionAt: (state: StreamSide) => unknown,
  /** What the unit counted before the stream's part (a checkpoint's counts are the run's so far). */
  base: IngestCounts,
): Promise<{ state: StreamSide; outcome: UnitOutcome<undefined> }> {
  const { feed } = job;
  const ages = sweepAges(job.lateHorizonMs);
  const pageSize = Math.min(job.pageSize ?? SIEM_STREAM_MAX_PAGE_SIZE, SIEM_STREAM_MAX_PAGE_SIZE);
  const maxCalls = job.maxStreamCalls ?? DEFAULT_MAX_STREAM_CALLS;
  const buckets = new Map<number, BucketWork>(
    start.buckets.map((b) => [b.from, { from: b.from, stage: b.stage, ids: decodeDigest(b.ids) }]),
  );
  let edge = start.edge;
  let counts: IngestCounts = zeroCounts();
  let calls = 0;
  let failingSince = start.failingSince;
  let lastError = start.lastError;
  let behindSince = start.behindSince;
  // Only a read this run will meet again is worth going on with: the forward read at the edge, or a
  // sweep of a bucket still to be re-read.
  let pending: PendingRead | undefined =
    start.pending &&
    (start.pending.from === start.edge ||
      start.buckets.some(
        (b) =>
          b.stage < ages.length &&
          start.pending!.to === b.from + BUCKET_MS &&
          start.pending!.to <= start.edge,
      ))
      ? start.pending
      : undefined;

  const state = (): StreamSide => {
    const list = [...buckets.values()]
      .sort((a, b) => a.from - b.from)
      .map((b) => ({ from: b.from, stage: b.stage, ids: encodeDigest(b.ids) }));
    return pruneBuckets(
      {
        from: start.from,
        edge,
        buckets: list,
        ...(failingSince !== undefined ? { failingSince } : {}),
        ...(lastError !== undefined ? { lastError } : {}),
        ...(behindSince !== undefined ? { behindSince } : {}),
        ...(pending !== undefined ? { pending } : {}),
      },
      job.lateHorizonMs,
    );
  };
  const seen = (hash: number): boolean => {
    for (const b of buckets.values()) if (b.ids.has(hash)) return true;
    return false;
  };
  const bucketAt = (from: number): BucketWork => {
    let b = buckets.get(from);
    if (!b) {
      b = { from, stage: 0, ids: new Set() };
      buckets.set(from, b);
    }
    return b;
  };

  type Stop = UnitOutcome<undefined> | undefined;
  /** Takes in one page's new events; an outcome when Sentinel did not take them all. */
  const take = async (records: Record<string, unknown>[], into: BucketWork, label: string): Promise<Stop> => {
    const items: SegmentItem[] = [];
    const hashes: number[] = [];
    const inPage = new Set<number>();
    for (const record of records) {
      const mapped = mapRecord(feed, record);
      if (mapped.kind === "row" && mapped.eventTime < start.from) continue; // batch's part
      const hash = hashEventId(mapped.kind === "row" ? mapped.eventId : fingerprintEventId(feed.id, record));
      if (seen(hash) || inPage.has(hash)) continue; // repeated by the stream, or re-read by a sweep
      inPage.add(hash);
      hashes.push(hash);
      items.push({
        position: items.length + 1,
        sourcePosition: `${feed.id} ${job.type} stream ${label}`,
        mapped,
        raw: record,
      });
    }
    if (items.length === 0) return undefined;
    // Only what Sentinel accepted joins the digest: the rest is read (and sent) again next time.
    const accept = (progress: SegmentProgress): void => {
      for (let i = 0; i < progress.safeThrough - 1 && i < hashes.length; i += 1) into.ids.add(hashes[i]!);
    };
    const checkpoint = job.onSegmentAccepted;
    // After every request Sentinel accepted, the cursor with the digest that now holds its rows: a kill
    // or a second execution re-reads the range, and the digest keeps it from sending them again.
    const result = await uploadUnitSegment(
      job,
      feed.id,
      items,
      { safeThrough: 1, deadLetteredThrough: 1 },
      checkpoint
        ? async (progress, segmentCounts) => {
            accept(progress);
            await checkpoint(positionAt(state()), addCounts(addCounts(base, counts), segmentCounts));
          }
        : undefined,
    );
    counts = addCounts(counts, result.counts);
    accept(result.progress);
    if (checkpoint && result.progress.safeThrough > 1)
      await checkpoint(positionAt(state()), addCounts(base, counts));
    if (!result.failure) return undefined;
    const reason = `Sentinel did not accept ${job.stream.streamName} rows: ${result.failure.message}`;
    return result.failure.retryable
      ? { kind: "partial", counts, resume: undefined, reason }
      : { kind: "failed", counts, resume: undefined, reason, retryable: false };
  };

  /**
   * Reads [from, to) page by page; "done" once caught up. A read a previous run left between pages goes
   * on from its `@nextPage`; if the stream no longer takes that token, the range is read from its start
   * (the digest keeps what was sent from being sent again).
   */
  const readRange = async (
    range: { from: number; to: number },
    into: BucketWork,
  ): Promise<UnitOutcome<undefined> | "done"> => {
    let token: string | undefined =
      pending && pending.from === range.from && pending.to === range.to ? pending.token : undefined;
    let carried = token !== undefined;
    const tokens = new Set<string>(token !== undefined ? [token] : []);
    for (let page = 0; page < MAX_PAGES_PER_RANGE; page += 1) {
      // Checkpoints taken while this page's rows go out resume at this page (its rows are in the digest).
      pending = token !== undefined ? { ...range, token } : undefined;
      if (calls >= maxCalls || pastDeadline(job))
        return { kind: "partial", counts, resume: undefined, reason: BUDGET_USED };
      calls += 1;
      let result: StreamPage;
      try {
        result = await fetchStreamPage(job.client, {
          ...streamQuery(job),
          ...range,
          ...(token !== undefined ? { nextPage: token } : {}),
          pageSize,
        });
      } catch (error) {
        if (!carried || !staleToken(error)) throw error;
        carried = false;
        token = undefined;
        tokens.clear();
        continue;
      }
      carried = false;
      failingSince = undefined;
      lastError = undefined;
      counts = { ...counts, fetched: counts.fetched + result.records.length, pages: counts.pages + 1 };
      const stop = await take(result.records, into, `${iso(range.from)}..${iso(range.to)} page ${page + 1}`);
      if (stop) return stop;
      if (result.isCaughtUp || result.records.length === 0 || result.nextPage === undefined) {
        pending = undefined;
        return "done";
      }
      if (tokens.has(result.nextPage))
        throw new MimecastBadResponseError(
          `${SIEM_STREAM_PATH[feed.window.batchKind]} returned a cursor twice`,
          "",
          200,
        );
      tokens.add(result.nextPage);
      token = result.nextPage;
    }
    pending = token !== undefined ? { ...range, token } : undefined;
    return { kind: "partial", counts, resume: undefined, reason: PAGE_LIMIT };
  };

  try {
    const head = job.now() - (job.streamLagMs ?? STREAM_LAG_MS);
    while (head - edge >= 1000) {
      const bucket = bucketAt(bucketStart(edge));
      // A read left between pages is finished on its own date range (its token belongs to that query).
      const to =
        pending?.from === edge && pending.to <= head ? pending.to : Math.min(head, bucket.from + BUCKET_MS);
      const read = await readRange({ from: edge, to }, bucket);
      if (read !== "done") {
        // Out of calls or time before the head: the stream is not keeping up (auto hands back after a while).
        if (read.kind === "partial" && outOfBudget(read)) behindSince ??= job.now();
        return { state: state(), outcome: read };
      }
      edge = to;
    }
    behindSince = undefined;
    for (const bucket of [...buckets.values()].sort((a, b) => a.from - b.from)) {
      const end = bucket.from + BUCKET_MS;
      if (bucket.stage >= ages.length || end > edge) continue;
      let due = -1;
      for (let s = bucket.stage; s < ages.length; s += 1) if (end + ages[s]! <= job.now()) due = s;
      if (due < 0) continue;
      const read = await readRange({ from: Math.max(bucket.from, start.from), to: end }, bucket);
      if (read !== "done") return { state: state(), outcome: read };
      bucket.stage = due + 1;
    }
    return { state: state(), outcome: { kind: "completed", counts, resume: undefined } };
  } catch (error) {
    failingSince ??= job.now();
    lastError = error instanceof Error ? error.message.slice(0, 200) : String(error);
    if (isRateLimited(error))
      return {
        state: state(),
        outcome: { kind: "rate-limited", counts, resume: undefined, until: error.retryAt },
      };
    if (!isMimecastError(error) && !(error instanceof Error)) throw error;
    return {
      state: state(),
      outcome: { kind: "failed", counts, resume: undefined, reason: `stream: ${lastError}`, retryable: true },
    };
  }
}
