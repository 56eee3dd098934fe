import type { JsonWindowFeedSpec } from "../feeds/types";
import { fingerprintEventId } from "../feeds/eventId";
import { mapRecord } from "../feeds/mapping";
import { isMimecastError, isRateLimited, isTransient } from "../mimecast/errors";
import { paginateJson } from "../mimecast/pagination";
import type { SegmentItem, SegmentProgress } from "./segment";
import { uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import { decodeDigest, encodeDigest, hashEventId, MAX_DIGEST_ENTRIES } from "./digest";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts, budgetUsed, pastDeadline } from "./types";

/** Where to resume a time window: the page to (re-)request and how far into it we got. */
export interface JsonWindowResume {
  /** Token of the page to request next; undefined = the window's first page. */
  pageToken?: string;
  /** Records of that page already handled (rows accepted or dead-lettered). */
  skipRecords: number;
  /** Records of that page whose dead-letters are already stored. */
  deadLetteredThrough: number;
  /**
   * Fingerprint of the page's records before max(skipRecords, deadLetteredThrough), to detect a page
   * that changed before we resumed in it (only a page read without a token can change).
   */
  anchor?: string;
  /**
   * Digest of the identities (EventId hashes) of that page's records already handled. When present,
   * resuming skips exactly those records even if the page shifted (late events land in pages already
   * read): nothing sent twice, nothing skipped. `skipRecords`/`anchor` remain for older resume points.
   */
  handled?: string;
}

export const WINDOW_START: JsonWindowResume = { skipRecords: 0, deadLetteredThrough: 0 };

export interface JsonWindowJob extends UnitJobBase {
  feed: JsonWindowFeedSpec;
  window: { from: number; to: number };
  resume?: JsonWindowResume;
  /** Records per Mimecast page (default and maximum: the endpoint's). */
  pageSize?: number;
  /** Report a digest of what this activity handled (a live window that will be swept later). */
  collectDigest?: boolean;
  /** Late-event sweep: records whose identity is in here were sent by the first pass; skip them. */
  seen?: ReadonlySet<number>;
}

/**
 * Ingests one [from, to) window of a JSON feed page by page. After every page the resume point moves
 * only over what Sentinel accepted; the outcome is a value (see UnitOutcome).
 */
export async function ingestJsonWindow(job: JsonWindowJob): Promise<UnitOutcome<JsonWindowResume>> {
  const handledIds = new Set<number>();
  const outcome = await ingestPages(job, handledIds);
  if (!job.collectDigest) return outcome;
  return handledIds.size > MAX_DIGEST_ENTRIES
    ? { ...outcome, digestOverflow: true }
    : { ...outcome, digest: encodeDigest(handledIds) };
}

/** What identifies a record across two reads of a window: its EventId, or its content if unmappable. */
export function itemIdentity(item: SegmentItem): number {
  if (item.mapped.kind === "row") return hashEventId(String(item.mapped.row["EventId"]));
  const raw = item.mapped.kind === "bad-line" ? item.mapped.raw : item.raw;
  return hashEventId(`raw:${typeof raw === "string" ? raw : JSON.stringify(raw)}`);
}

async function ingestPages(
  job: JsonWindowJob,
  handledIds: Set<number>,
): Promise<UnitOutcome<JsonWindowResume>> {
  const { client, feed, stream } = job;
  let resume = job.resume ?? WINDOW_START;
  let counts: IngestCounts = zeroCounts();
  try {
    const pageOptions = {
      ...(resume.pageToken ? { pageToken: resume.pageToken } : {}),
      ...(job.pageSize !== undefined ? { pageSize: job.pageSize } : {}),
    };
    const pages = feed.pages
      ? feed.pages(client, job.window, pageOptions)
      : paginateJson(client, feed.endpoint, { filter: feed.filter(job.window), ...pageOptions });
    for await (const page of pages) {
      const records = feed.enrich ? await enrichAll(client, feed, page.records) : page.records;
      const items: SegmentItem[] = records.map((record, index) => ({
        position: index,
        sourcePosition: `${feed.id} window ${new Date(job.window.from).toISOString()}..${new Date(job.window.to).toISOString()} page ${page.requestToken ?? "first"} record ${index}`,
        mapped: mapRecord(feed, record),
        raw: record,
      }));
      const handled = Math.max(resume.skipRecords, resume.deadLetteredThrough);
      const current = handled > 0 ? anchorAt(items, handled) : undefined;
      let pageSeen: ReadonlySet<number> | undefined;
      if (resume.handled !== undefined) {
        // Resume by identity: whatever moved on the page, send exactly what was not handled yet.
        pageSeen = decodeDigest(resume.handled);
        resume = { skipRecords: 0, deadLetteredThrough: 0 };
      } else if (handled > 0 && (current === undefined || current !== resume.anchor)) {
        // The page changed since we stopped inside it: send all of it again rather than skip records
        // (or dead-letters) we never sent. Re-sent rows carry their EventId; nothing is lost.
        counts = addCounts(counts, { ...zeroCounts(), resent: resume.skipRecords });
        resume = { skipRecords: 0, deadLetteredThrough: 0 };
      }
      // A page read again only to find it done (a resumed or repeated unit) is not a page more.
      const fresh = Math.max(0, items.length - resume.skipRecords);
      counts = addCounts(counts, { ...zeroCounts(), pages: fresh > 0 ? 1 : 0, fetched: fresh });
      // A sweep re-reads the window and sends only what the first pass did not see. Items keep their
      // positions, so resume points and anchors are those of the full page.
      const seen = job.seen;
      const skip = (item: SegmentItem): boolean => {
        const id = itemIdentity(item);
        return (seen?.has(id) ?? false) || (pageSeen?.has(id) ?? false);
      };
      const toSend = seen || pageSeen ? items.filter((item) => !skip(item)) : items;
      const pageStart = resume.skipRecords;
      /** Identities of this page's records in [from, to) that the digest does not hold yet, encoded. */
      let digestedThrough = pageStart;
      const digestThrough = (to: number): string | undefined => {
        if (!job.collectDigest) return undefined;
        const added: number[] = [];
        for (const item of items) {
          if (item.position >= digestedThrough && item.position < to) {
            const id = itemIdentity(item);
            handledIds.add(id);
            added.push(id);
          }
        }
        digestedThrough = Math.max(digestedThrough, to);
        return encodeDigest(added);
      };
      const checkpoint = job.onSegmentAccepted;
      const base = counts;
      const result = await uploadUnitSegment(
        job,
        feed.id,
        toSend,
        { safeThrough: resume.skipRecords, deadLetteredThrough: resume.deadLetteredThrough },
        checkpoint
          ? // Inside the page: resume at the next unsent record, guarded by the anchor of what precedes it.
            (progress, segmentCounts) =>
              checkpoint(
                insidePage(page.requestToken, items, progress),
                addCounts(base, segmentCounts),
                digestThrough(progress.safeThrough),
              )
          : undefined,
      );
      counts = addCounts(counts, result.counts);
      const pageDigest = digestThrough(result.failure ? result.progress.safeThrough : items.length);
      if (result.failure) {
        resume = {
          ...(page.requestToken ? { pageToken: page.requestToken } : {}),
          skipRecords: result.progress.safeThrough,
          deadLetteredThrough: result.progress.deadLetteredThrough,
        };
        const reached = Math.max(resume.skipRecords, resume.deadLetteredThrough);
        const anchor = reached > 0 ? anchorAt(items, reached) : undefined;
        if (anchor !== undefined) resume.anchor = anchor;
        const { safeThrough, deadLetteredThrough } = result.progress;
        const handledNow = items
          .filter(
            (item) =>
              (item.position < safeThrough && !(pageSeen?.has(itemIdentity(item)) ?? false)) ||
              (item.mapped.kind !== "row" && item.position < deadLetteredThrough),
          )
          .map(itemIdentity);
        if (reached > 0 || pageSeen !== undefined) {
          resume.handled = encodeDigest([...(pageSeen ?? []), ...handledNow]);
        }
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
      if (!page.nextToken) {
        // The window is done. Checkpoint the end of its last page, so a second execution of this unit
        // (at-least-once) finds nothing left to send; the result's own resume point means "done".
        const end = { safeThrough: items.length, deadLetteredThrough: items.length };
        await checkpoint?.(insidePage(page.requestToken, items, end), counts, pageDigest);
        return { kind: "completed", counts, resume };
      }
      await checkpoint?.(resume, counts, pageDigest);
      if (pastDeadline(job)) return budgetUsed(counts, resume);
    }
    return { kind: "completed", counts, resume };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}

/** A resume point inside the page read with `requestToken`: after `progress`, if the page is unchanged. */
function insidePage(
  requestToken: string | undefined,
  items: readonly SegmentItem[],
  progress: SegmentProgress,
): JsonWindowResume {
  const reached = Math.max(progress.safeThrough, progress.deadLetteredThrough);
  const anchor = reached > 0 ? anchorAt(items, reached) : undefined;
  return {
    ...(requestToken ? { pageToken: requestToken } : {}),
    skipRecords: progress.safeThrough,
    deadLetteredThrough: progress.deadLetteredThrough,
    ...(anchor !== undefined ? { anchor } : {}),
  };
}

/** One page's records completed by the feed's `enrich`, in order (bounded: one page at a time). */
async function enrichAll(
  client: JsonWindowJob["client"],
  feed: JsonWindowFeedSpec,
  records: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const enrich = feed.enrich;
  if (!enrich) return [...records];
  const done: Record<string, unknown>[] = [];
  for (const record of records) done.push(await enrich(client, record));
  return done;
}

/**
 * Fingerprint of the page's first `count` records (undefined when the page is shorter): a resume point
 * inside a page is only valid while everything before it is the same.
 */
export function anchorAt(items: readonly SegmentItem[], count: number): string | undefined {
  if (items.length < count) return undefined;
  return fingerprintEventId(
    "anchor",
    items.slice(0, count).map((item) => item.raw),
  );
}

/**
 * Turns what escaped Mimecast into a value — except a transient fault before anything was ingested,
 * which is rethrown so the Durable retry policy handles it (nothing can be sent twice).
 */
export function failureOutcome<R>(error: unknown, counts: IngestCounts, resume: R): UnitOutcome<R> {
  if (isRateLimited(error)) return { kind: "rate-limited", counts, resume, until: error.retryAt };
  if (isTransient(error)) {
    if (!ingestedAnything(counts)) throw error;
    return { kind: "partial", counts, resume, reason: error.message };
  }
  if (isMimecastError(error)) {
    return { kind: "failed", counts, resume, reason: error.message, retryable: error.kind === "expired-url" };
  }
  if (!ingestedAnything(counts)) throw error;
  // Rethrowing now would let a Durable retry start over from the input resume point and send accepted
  // rows again; `resume` is exact, so report it.
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: "failed", counts, resume, reason: `unexpected error: ${detail}`, retryable: true };
}

/** Did this run put anything into Sentinel (or may it have)? Then it must not throw. */
function ingestedAnything(counts: IngestCounts): boolean {
  return counts.ingested > 0 || counts.deadLettered > 0 || counts.ambiguous > 0;
}
