import { createHash } from "node:crypto";
import { mapRecord } from "../feeds/mapping";
import type { MappedRecord } from "../feeds/mapping";
import type { SiemBatchFeedSpec } from "../feeds/types";
import { batchFileKey, downloadBatchFileBatches, redactPresignedUrl } from "../mimecast/batchFile";
import { MimecastBadResponseError, isExpiredUrl, isTransient } from "../mimecast/errors";
import { listSiemBatch } from "../mimecast/pagination";
import { RowSlabs } from "../sentinel/rowSlabs";
import { mappingFailed, rawText } from "./isolate";
import { sinkFailureOutcome } from "./sinkFailure";
import { failureOutcome } from "./jsonWindow";
import type { SegmentItem, SegmentProgress } from "./segment";
import { heldRow } from "./heldRow";
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
  /**
   * The last unreadable break in that file: a file that breaks at the same line the same way
   * MAX_SAME_BREAKS times is dead-lettered from there and passed, instead of retried for ever.
   */
  broken?: { line: number; code: string; attempts: number };
  /** Short hashes of the cursors already read past (newest last, bounded): a listing that cycles stops. */
  visited?: string[];
}

/**
 * How often one file may break at the same line, the same way, before its rest is dead-lettered. High
 * enough that a transient fault (a download cut short now and then) is never taken for a broken file:
 * the fault suite truncates one download in ten, and three in a row at one line did happen.
 */
export const MAX_SAME_BREAKS = 8;
/** Cursor hashes kept in the resume point (a cycle longer than this is caught by the page limit). */
const MAX_VISITED = 32;
/** Breaks that say the file's bytes are bad (not the network): the same again on every retry. */
const CONTENT_BREAKS = new Set(["corrupt-gzip", "truncated"]);

const cursorHash = (cursor: string | undefined): string =>
  createHash("sha256")
    .update(cursor ?? "")
    .digest("base64url")
    .slice(0, 16);

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
  /**
   * Which records this unit owns (the SIEM stream owns the rest of the type's events; see siemStream.ts).
   * Records it returns false for are read and passed over. Default: every record.
   */
  keep?: (mapped: MappedRecord) => boolean;
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
  /** Files read in this run (by path): a file listed again, on this page or a later one, is read once. */
  const read = new Set<string>();
  const visited = (): string[] => resume.visited ?? [];
  // Rows wait for their request as bytes, not objects, when the sink sends them so (see RowSlabs).
  const asBytes = job.sink.sendsPrepared === true;
  const slabs = new RowSlabs();
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
      const advancing = page.files.length > 0 && page.nextPage !== undefined && !page.isCaughtUp;
      if (resume.file !== undefined) {
        const paths = page.files.map((f) => batchFileKey(f.url));
        const wanted = batchFileKey(resume.file);
        const found = paths[resume.fileIndex] === wanted ? resume.fileIndex : paths.indexOf(wanted);
        if (found >= 0) {
          resume = { ...resume, fileIndex: found };
        } else {
          // The page no longer lists the file we were in (it aged out of retention, or the listing
          // changed): start the page over. Lines sent again carry their EventId; none is skipped.
          counts = addCounts(counts, { ...zeroCounts(), resent: Math.max(0, resume.line - 1) });
          resume = {
            ...SIEM_START,
            ...(resume.cursor ? { cursor: resume.cursor } : {}),
            ...(resume.visited ? { visited: resume.visited } : {}),
          };
        }
      }
      let relisted = false;
      for (let index = resume.fileIndex; index < page.files.length; index += 1) {
        const file = page.files[index]!;
        const filePath = redactPresignedUrl(file.url);
        const fileKey = batchFileKey(file.url);
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
          file: fileKey,
          ...(resume.visited ? { visited: resume.visited } : {}),
        });
        if (read.has(fileKey)) continue; // listed again (padding): already read in this run
        counts.pages += 1;
        let segment: SegmentItem[] = [];
        /** The upload of the segment before this one, while this one is read and mapped. */
        let pending: Promise<UnitOutcome<SiemResume> | undefined> | undefined;
        /** Waits for the upload in flight; an outcome when Sentinel did not take it all. */
        const settle = async (): Promise<UnitOutcome<SiemResume> | undefined> => {
          const uploading = pending;
          pending = undefined;
          return uploading ? await uploading : undefined;
        };
        /** Uploads the buffered lines (after the upload in flight); an outcome when Sentinel did not take them all. */
        const flush = async (): Promise<UnitOutcome<SiemResume> | undefined> => {
          const stop = await settle();
          if (stop) return stop;
          if (segment.length === 0) return undefined;
          const items = segment;
          segment = [];
          return upload(items);
        };
        const upload = async (items: SegmentItem[]): Promise<UnitOutcome<SiemResume> | undefined> => {
          const base = counts;
          const checkpoint = job.onSegmentAccepted;
          const result = await uploadUnitSegment(
            job,
            feed.id,
            items,
            progress,
            checkpoint ? (p, segmentCounts) => checkpoint(at(p), addCounts(base, segmentCounts)) : undefined,
          );
          counts = addCounts(counts, result.counts);
          progress = result.progress;
          if (!result.failure) {
            await job.onSegmentAccepted?.(at(progress), counts);
            return undefined;
          }
          const reason = `Sentinel did not accept ${stream.streamName} rows: ${result.failure.message}`;
          return sinkFailureOutcome(result.failure, counts, at(progress), reason, job.now());
        };
        try {
          const segmentSize = job.segmentSize ?? DEFAULT_SEGMENT;
          const filePosition = `${feed.id} ${type} ${filePath} line `;
          for await (const items of downloadBatchFileBatches(client, file, {
            startLine,
            ...(job.signal ? { signal: job.signal } : {}),
          })) {
            // One network chunk's records, mapped synchronously, each isolated (one bad record costs a
            // dead-letter, never the chunk); the only awaits are the segment uploads.
            for (const item of items) {
              counts.fetched += 1;
              if (item.kind !== "record") {
                segment.push({
                  position: item.line,
                  sourcePosition: filePosition + String(item.line),
                  mapped: { kind: "bad-line", reason: item.reason, raw: item.raw },
                });
              } else {
                // Isolated: whatever mapping throws costs this record a dead-letter, never the file.
                let mapped: MappedRecord;
                let threw = false;
                try {
                  mapped = mapRecord(feed, item.record, item.text);
                } catch (error) {
                  mapped = mappingFailed(error);
                  threw = true;
                }
                // Another path owns this event (the stream, around a hand-over): read past it.
                if (job.keep && !job.keep(mapped)) continue;
                const held =
                  asBytes && mapped.kind === "row" && item.text !== undefined
                    ? heldRow(item.line, mapped, stream, slabs, item.text, filePosition)
                    : undefined;
                segment.push(
                  held ?? {
                    position: item.line,
                    sourcePosition: filePosition + String(item.line),
                    mapped,
                    raw: threw ? rawText(item.record) : item.record,
                  },
                );
              }
              if (segment.length >= segmentSize) {
                // This segment uploads while the next is read and mapped, so the zlib work of the
                // download and of the request bodies (thread pool) overlaps the main thread's (issue
                // 14). Still one upload at a time, in order: the one before must be in first, and a
                // deadline is checked after each, as before; what was read past it is read again.
                const uploaded = pending !== undefined;
                const stop = await settle();
                if (stop) return stop;
                if (uploaded && timeUp()) {
                  return { kind: "partial", counts, resume: at(progress), reason: BUDGET_USED };
                }
                const items = segment;
                segment = [];
                pending = upload(items);
                // Awaited by settle(); this only keeps a failure from being reported unhandled meanwhile.
                pending.catch(() => undefined);
              }
            }
          }
          const uploaded = pending !== undefined;
          const previous = await settle();
          if (previous) return previous;
          if (uploaded && timeUp()) {
            return { kind: "partial", counts, resume: at(progress), reason: BUDGET_USED };
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
          const code = isTransient(error) ? error.details[0]?.code : undefined;
          if (code === undefined || !CONTENT_BREAKS.has(code))
            return failureOutcome(error, counts, at(progress));
          // The file's bytes are bad here. Count the break in the resume point (a value, not a throw,
          // so the count survives); the same break MAX_SAME_BREAKS times dead-letters the rest.
          const line = progress.safeThrough;
          const before =
            index === resume.fileIndex && batchFileKey(resume.file ?? "") === fileKey
              ? resume.broken
              : undefined;
          const attempts = before && before.line === line && before.code === code ? before.attempts + 1 : 1;
          if (attempts < MAX_SAME_BREAKS) {
            return {
              kind: "partial",
              counts,
              resume: { ...at(progress), broken: { line, code, attempts } },
              reason: `${(error as Error).message} (break ${attempts} of ${MAX_SAME_BREAKS} at this line)`,
            };
          }
          segment.push({
            position: line,
            sourcePosition: `${feed.id} ${type} ${filePath} line ${line}`,
            mapped: {
              kind: "bad-line",
              reason: `the rest of the file from line ${line} is unreadable (${code}, ${attempts} times at the same line): ${(error as Error).message}`,
              raw: "",
            },
          });
          const passed = await flush();
          if (passed) return passed;
        }
        read.add(fileKey);
        if (timeUp() && index + 1 < page.files.length) {
          return {
            kind: "partial",
            counts,
            resume: {
              ...at({ safeThrough: 1, deadLetteredThrough: 1 }),
              fileIndex: index + 1,
              file: batchFileKey(page.files[index + 1]!.url),
            },
            reason: BUDGET_USED,
          };
        }
      }
      if (relisted) continue;
      if (advancing && visited().includes(cursorHash(page.nextPage))) {
        // This page's files are in; its @nextPage points back to a page already read (A→B→A). Stay at
        // the end of this page — a retry lists it, finds nothing new and stops here again.
        const end: SiemResume = {
          ...SIEM_START,
          ...(resume.cursor ? { cursor: resume.cursor } : {}),
          fileIndex: page.files.length,
          ...(resume.visited ? { visited: resume.visited } : {}),
        };
        const error = new MimecastBadResponseError(
          `SIEM ${type} listing cycled: @nextPage points back to a page already read; stopping instead of re-sending it`,
          `siem ${type}`,
          200,
        );
        return failureOutcome(error, counts, end);
      }
      // Every file of the page is in: only now may the cursor move past it.
      const seen = advancing ? [...visited(), cursorHash(resume.cursor)].slice(-MAX_VISITED) : visited();
      resume = {
        ...SIEM_START,
        ...(page.nextPage ? { cursor: page.nextPage } : resume.cursor ? { cursor: resume.cursor } : {}),
        ...(seen.length > 0 ? { visited: seen } : {}),
      };
      // Checkpointed at the end too, so a second execution of this unit finds nothing left to send.
      await job.onSegmentAccepted?.(resume, counts);
      if (page.isCaughtUp || page.files.length === 0 || !page.nextPage)
        return { kind: "completed", counts, resume };
      if (timeUp()) return { kind: "partial", counts, resume, reason: BUDGET_USED };
    }
    return { kind: "partial", counts, resume, reason: "page limit reached; continuing in the next activity" };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}
