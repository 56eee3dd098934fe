import { mapRecord } from "../feeds/mapping";
import type { SiemBatchFeedSpec } from "../feeds/types";
import { downloadBatchFile, redactPresignedUrl } from "../mimecast/batchFile";
import { isExpiredUrl } from "../mimecast/errors";
import { listSiemBatch } from "../mimecast/pagination";
import { failureOutcome } from "./jsonWindow";
import type { SegmentItem, SegmentProgress } from "./segment";
import { uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts, BUDGET_USED, pastDeadline } from "./types";

/**
 * A SIEM type's cursor: the listing page to (re-)request, and how far into its files we got.
 * `cursor` is the `@nextPage` token that fetched the page (undefined: start of the date range).
 */
export interface SiemResume {
  cursor?: string;
  fileIndex: number;
  /** Next line to ingest in that file (1-based). */
  line: number;
  /** Lines of that file before this one have their dead-letters stored. */
  deadLetteredThrough: number;
  /** Path of the file we were in (presigned URLs change per listing; the path does not). */
  file?: string;
}

export const SIEM_START: SiemResume = { fileIndex: 0, line: 1, deadLetteredThrough: 1 };

export interface SiemBatchJob extends UnitJobBase {
  feed: SiemBatchFeedSpec;
  type: string;
  /** YYYY-MM-DD range for the first listing call (ignored by Mimecast once a cursor exists). */
  fromDay: string;
  /** Omitted = open-ended (continuous tailing). */
  toDay?: string;
  resume?: SiemResume;
  /** Records uploaded per segment (one or more ≤ 1 MB requests). */
  segmentSize?: number;
  /** Re-listings allowed when presigned URLs expire mid-run. */
  maxRelists?: number;
  /** Files per listing page (default and maximum: the endpoint's). */
  pageSize?: number;
}

const DEFAULT_SEGMENT = 2_000;

/**
 * Ingests one SIEM type from its cursor: list a page of files, stream each file in segments, move the
 * resume point only over what Sentinel accepted, and store the next `@nextPage` only after every file of
 * the page is in (the incumbent advanced after *any* file succeeded and lost the rest).
 */
export async function ingestSiemBatch(job: SiemBatchJob): Promise<UnitOutcome<SiemResume>> {
  const { client, feed, stream, type } = job;
  let resume = job.resume ?? SIEM_START;
  let counts: IngestCounts = zeroCounts();
  let relists = 0;
  const timeUp = (): boolean => pastDeadline(job);
  try {
    for (let pageNumber = 0; pageNumber < 10_000; pageNumber += 1) {
      const page = await listSiemBatch(client, {
        kind: feed.window.batchKind,
        type,
        from: job.fromDay,
        ...(job.toDay ? { to: job.toDay } : {}),
        ...(resume.cursor ? { nextPage: resume.cursor } : {}),
        ...(job.pageSize !== undefined ? { pageSize: job.pageSize } : {}),
      });
      if (resume.file !== undefined) {
        const paths = page.files.map((f) => redactPresignedUrl(f.url));
        const found = paths[resume.fileIndex] === resume.file ? resume.fileIndex : paths.indexOf(resume.file);
        if (found >= 0) {
          resume = { ...resume, fileIndex: found };
        } else {
          // The page no longer lists the file we were in (it aged out of retention, or the listing
          // changed): start the page over. Lines sent again carry their EventId; none is skipped.
          counts = addCounts(counts, { ...zeroCounts(), resent: Math.max(0, resume.line - 1) });
          resume = { ...SIEM_START, ...(resume.cursor ? { cursor: resume.cursor } : {}) };
        }
      }
      let relisted = false;
      for (let index = resume.fileIndex; index < page.files.length; index += 1) {
        const file = page.files[index]!;
        const filePath = redactPresignedUrl(file.url);
        const startLine = index === resume.fileIndex ? resume.line : 1;
        let progress: SegmentProgress = {
          safeThrough: startLine,
          deadLetteredThrough: index === resume.fileIndex ? resume.deadLetteredThrough : 1,
        };
        const at = (p: SegmentProgress): SiemResume => ({
          ...(resume.cursor ? { cursor: resume.cursor } : {}),
          fileIndex: index,
          line: p.safeThrough,
          deadLetteredThrough: p.deadLetteredThrough,
          file: filePath,
        });
        counts.pages += 1;
        let segment: SegmentItem[] = [];
        /** Uploads the buffered lines; an outcome when Sentinel did not take them all. */
        const flush = async (): Promise<UnitOutcome<SiemResume> | undefined> => {
          if (segment.length === 0) return undefined;
          const result = await uploadUnitSegment(job, feed.id, segment, progress);
          counts = addCounts(counts, result.counts);
          progress = result.progress;
          segment = [];
          if (!result.failure) {
            await job.onSegmentAccepted?.(at(progress), counts);
            return undefined;
          }
          const reason = `Sentinel did not accept ${stream.streamName} rows: ${result.failure.message}`;
          return result.failure.retryable
            ? { kind: "partial", counts, resume: at(progress), reason }
            : { kind: "failed", counts, resume: at(progress), reason, retryable: false };
        };
        try {
          for await (const item of downloadBatchFile(client, file, {
            startLine,
            ...(job.signal ? { signal: job.signal } : {}),
          })) {
            counts.fetched += 1;
            const sourcePosition = `${feed.id} ${type} ${filePath} line ${item.line}`;
            segment.push(
              item.kind === "record"
                ? {
                    position: item.line,
                    sourcePosition,
                    mapped: mapRecord(feed, item.record),
                    raw: item.record,
                  }
                : {
                    position: item.line,
                    sourcePosition,
                    mapped: { kind: "bad-line", reason: item.reason, raw: item.raw },
                  },
            );
            if (segment.length >= (job.segmentSize ?? DEFAULT_SEGMENT)) {
              const stop = await flush();
              if (stop) return stop;
              if (timeUp()) {
                return { kind: "partial", counts, resume: at(progress), reason: BUDGET_USED };
              }
            }
          }
          const stop = await flush();
          if (stop) return stop;
        } catch (error) {
          // Lines read before the download broke are good: take them in, so a retry resumes after them
          // (and a file that keeps breaking at the same byte still makes progress up to it).
          const stop = await flush();
          if (stop) return stop;
          if (isExpiredUrl(error) && relists < (job.maxRelists ?? 3)) {
            // Presigned URLs expire (~15 min): list the same page again for fresh ones, same position.
            relists += 1;
            resume = at(progress);
            relisted = true;
            break;
          }
          return failureOutcome(error, counts, at(progress));
        }
        if (timeUp() && index + 1 < page.files.length) {
          return {
            kind: "partial",
            counts,
            resume: {
              ...at({ safeThrough: 1, deadLetteredThrough: 1 }),
              fileIndex: index + 1,
              file: redactPresignedUrl(page.files[index + 1]!.url),
            },
            reason: BUDGET_USED,
          };
        }
      }
      if (relisted) continue;
      // Every file of the page is in: only now may the cursor move past it.
      resume = {
        ...SIEM_START,
        ...(page.nextPage ? { cursor: page.nextPage } : resume.cursor ? { cursor: resume.cursor } : {}),
      };
      if (page.isCaughtUp || page.files.length === 0 || !page.nextPage)
        return { kind: "completed", counts, resume };
      await job.onSegmentAccepted?.(resume, counts);
      if (timeUp()) return { kind: "partial", counts, resume, reason: BUDGET_USED };
    }
    return { kind: "partial", counts, resume, reason: "page limit reached; continuing in the next activity" };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}
