import type { JsonWindowFeedSpec } from "../feeds/types";
import { fingerprintEventId } from "../feeds/eventId";
import { mapRecord } from "../feeds/mapping";
import type { MimecastClient } from "../mimecast/client";
import { isMimecastError, isRateLimited, isTransient } from "../mimecast/errors";
import { paginateJson } from "../mimecast/pagination";
import type { Sink } from "../sentinel/sink";
import type { StreamSchema } from "../sentinel/streams";
import type { SegmentItem } from "./segment";
import { uploadSegment } from "./segment";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts } from "./types";

/** Where to resume a time window: the page to (re-)request and how far into it we got. */
export interface JsonWindowResume {
  /** Token of the page to request next; undefined = the window's first page. */
  pageToken?: string;
  /** Records of that page already handled (rows accepted or dead-lettered). */
  skipRecords: number;
  /** Records of that page whose dead-letters are already stored. */
  deadLetteredThrough: number;
  /** Fingerprint of the last handled record, to detect a page that changed before we resumed in it. */
  anchor?: string;
}

export const WINDOW_START: JsonWindowResume = { skipRecords: 0, deadLetteredThrough: 0 };

export interface JsonWindowJob {
  client: MimecastClient;
  feed: JsonWindowFeedSpec;
  sink: Sink;
  stream: StreamSchema;
  window: { from: number; to: number };
  resume?: JsonWindowResume;
  /** Stop at a page boundary after this time (epoch ms) and report `partial`. */
  deadline?: number;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * Ingests one [from, to) window of a JSON feed page by page. After every page the resume point moves
 * only over what Sentinel accepted; the outcome is a value (see UnitOutcome).
 */
export async function ingestJsonWindow(job: JsonWindowJob): Promise<UnitOutcome<JsonWindowResume>> {
  const { client, feed, sink, stream } = job;
  let resume = job.resume ?? WINDOW_START;
  let counts: IngestCounts = zeroCounts();
  try {
    const pages = paginateJson(client, feed.endpoint, {
      filter: feed.filter(job.window),
      ...(resume.pageToken ? { pageToken: resume.pageToken } : {}),
    });
    for await (const page of pages) {
      const items: SegmentItem[] = page.records.map((record, index) => ({
        position: index,
        sourcePosition: `${feed.id} window ${new Date(job.window.from).toISOString()}..${new Date(job.window.to).toISOString()} page ${page.requestToken ?? "first"} record ${index}`,
        mapped: mapRecord(feed, record),
        raw: record,
      }));
      if (resume.skipRecords > 0 && resume.anchor !== undefined) {
        if (anchorAt(items, resume.skipRecords) !== resume.anchor) {
          // The page changed since we stopped inside it: send all of it again rather than skip records
          // we never sent. Re-sent rows carry their EventId; nothing is lost.
          counts = addCounts(counts, { ...zeroCounts(), resent: resume.skipRecords });
          resume = { skipRecords: 0, deadLetteredThrough: 0 };
        }
      }
      counts = addCounts(counts, {
        ...zeroCounts(),
        pages: 1,
        fetched: Math.max(0, items.length - resume.skipRecords),
      });
      const result = await uploadSegment({
        sink,
        stream,
        feedId: feed.id,
        items,
        progress: { safeThrough: resume.skipRecords, deadLetteredThrough: resume.deadLetteredThrough },
        now: job.now(),
        ...(job.signal ? { signal: job.signal } : {}),
      });
      counts = addCounts(counts, result.counts);
      if (result.failure) {
        resume = {
          ...(page.requestToken ? { pageToken: page.requestToken } : {}),
          skipRecords: result.progress.safeThrough,
          deadLetteredThrough: result.progress.deadLetteredThrough,
          ...(result.progress.safeThrough > 0
            ? { anchor: anchorAt(items, result.progress.safeThrough) }
            : {}),
        };
        const reason = `Sentinel did not accept ${stream.streamName} rows: ${result.failure.message}`;
        return result.failure.retryable
          ? { kind: "partial", counts, resume, reason }
          : { kind: "failed", counts, resume, reason, retryable: false };
      }
      resume = {
        ...(page.nextToken ? { pageToken: page.nextToken } : {}),
        skipRecords: 0,
        deadLetteredThrough: 0,
      };
      if (!page.nextToken) return { kind: "completed", counts, resume };
      if (job.deadline !== undefined && job.now() >= job.deadline) {
        return {
          kind: "partial",
          counts,
          resume,
          reason: "time budget used; continuing in the next activity",
        };
      }
    }
    return { kind: "completed", counts, resume };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}

/** Fingerprint of the record just before `position` (the last one handled). */
export function anchorAt(items: readonly SegmentItem[], position: number): string | undefined {
  const item = items[position - 1];
  return item ? fingerprintEventId("anchor", item.raw) : undefined;
}

/**
 * Turns what escaped Mimecast into a value — except a transient fault before anything was ingested,
 * which is rethrown so the Durable retry policy handles it (nothing can be sent twice).
 */
export function failureOutcome<R>(error: unknown, counts: IngestCounts, resume: R): UnitOutcome<R> {
  if (isRateLimited(error)) return { kind: "rate-limited", counts, resume, until: error.retryAt };
  if (isTransient(error)) {
    if (counts.ingested === 0 && counts.deadLettered === 0) throw error;
    return { kind: "partial", counts, resume, reason: error.message };
  }
  if (isMimecastError(error)) {
    return { kind: "failed", counts, resume, reason: error.message, retryable: error.kind === "expired-url" };
  }
  throw error;
}
