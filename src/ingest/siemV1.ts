import { createHash } from "node:crypto";
import { mapRecord } from "../feeds/mapping";
import type { SiemV1FeedSpec } from "../feeds/types";
import type { SiemV1Format } from "../mimecast/siemV1";
import { MimecastBadResponseError } from "../mimecast/errors";
import { fetchSiemLogsV1 } from "../mimecast/siemV1";
import { isolatedItem } from "./isolate";
import { sinkFailureOutcome } from "./sinkFailure";
import { anchorAt, failureOutcome } from "./jsonWindow";
import type { SegmentItem } from "./segment";
import { uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts, budgetUsed, pastDeadline } from "./types";

/**
 * The API 1.0 SIEM cursor: the `mc-siem-token` that fetches the next (or current) file, and how far into
 * that file we got. The token moves to the file's successor only once every line of it is in.
 */
export interface SiemV1Resume {
  /** Token to send; undefined = the oldest retained file. */
  token?: string;
  /** Next line (1-based position in the file) to ingest. */
  line: number;
  deadLetteredThrough: number;
  /** Name of the file we stopped inside (a different file at this token means: start it over). */
  file?: string;
  anchor?: string;
  /** Short hashes of the tokens already read past (newest last, bounded): a chain that repeats stops. */
  visited?: string[];
}

const MAX_VISITED = 32;
const tokenHash = (token: string | undefined): string =>
  createHash("sha256")
    .update(token ?? "")
    .digest("base64url")
    .slice(0, 16);

export const SIEM_V1_START: SiemV1Resume = { line: 1, deadLetteredThrough: 1 };

export interface SiemV1Job extends UnitJobBase {
  feed: SiemV1FeedSpec;
  fileFormat?: SiemV1Format;
  resume?: SiemV1Resume;
  /** Safety bound on files per call. */
  maxFiles?: number;
}

/**
 * Follows the 1.0 SIEM token chain file by file until Mimecast says it has nothing newer (`completed`,
 * with the token to poll from next time). Each file is normalised to CG fields, uploaded
 * prefix-exactly, and only then is its `mc-siem-token` stored (the legacy connector kept the old token on
 * an empty file and could stall; we always move on after a fully handled file).
 */
export async function ingestSiemV1(job: SiemV1Job): Promise<UnitOutcome<SiemV1Resume>> {
  const { client, feed, stream } = job;
  let resume = job.resume ?? SIEM_V1_START;
  let counts: IngestCounts = zeroCounts();
  try {
    for (let fileNumber = 0; fileNumber < (job.maxFiles ?? 10_000); fileNumber += 1) {
      const token = resume.token;
      const result = await fetchSiemLogsV1(client, {
        ...(token ? { token } : {}),
        fileFormat: job.fileFormat ?? "json",
      });
      if (result.kind === "caught-up") {
        return {
          kind: "completed",
          counts,
          resume: {
            ...SIEM_V1_START,
            ...(result.token ? { token: result.token } : {}),
            ...(resume.visited ? { visited: resume.visited } : {}),
          },
        };
      }
      const { fileName } = result;
      const items: SegmentItem[] = result.items.map((item) => {
        const sourcePosition = `${feed.id} ${fileName} line ${item.line}`;
        return item.kind === "record"
          ? isolatedItem(item.line, sourcePosition, item.record, () =>
              mapRecord(feed, feed.normalise(item.record, fileName)),
            )
          : {
              position: item.line,
              sourcePosition,
              mapped: { kind: "bad-line", reason: item.reason, raw: item.raw },
            };
      });
      if (resume.line > 1) {
        const changed =
          (resume.file !== undefined && resume.file !== fileName) ||
          (resume.anchor !== undefined && anchorBefore(items, resume.line) !== resume.anchor);
        if (changed) {
          // Not the file we stopped in: ingest it from the top (same EventIds), skip nothing.
          counts = addCounts(counts, { ...zeroCounts(), resent: resume.line - 1 });
          resume = { ...SIEM_V1_START, ...(token ? { token } : {}) };
        }
      }
      counts = addCounts(counts, {
        ...zeroCounts(),
        pages: 1,
        fetched: items.filter((i) => i.position >= resume.line).length,
      });
      const uploaded = await uploadUnitSegment(job, feed.id, items, {
        safeThrough: resume.line,
        deadLetteredThrough: resume.deadLetteredThrough,
      });
      counts = addCounts(counts, uploaded.counts);
      if (uploaded.failure) {
        const anchor = anchorBefore(items, uploaded.progress.safeThrough);
        resume = {
          ...(token ? { token } : {}),
          line: uploaded.progress.safeThrough,
          deadLetteredThrough: uploaded.progress.deadLetteredThrough,
          file: fileName,
          ...(anchor !== undefined ? { anchor } : {}),
        };
        const reason = `Sentinel did not accept ${stream.streamName} rows: ${uploaded.failure.message}`;
        return sinkFailureOutcome(uploaded.failure, counts, resume, reason, job.now());
      }
      const visited = resume.visited ?? [];
      if (
        result.nextToken !== undefined &&
        (result.nextToken === token || visited.includes(tokenHash(result.nextToken)))
      ) {
        // The chain points back to a file already read (the same mc-siem-token again). This file is in;
        // stay past its end, so a retry finds nothing new to send and stops here again.
        const anchor = anchorBefore(items, Number.MAX_SAFE_INTEGER);
        const end: SiemV1Resume = {
          ...(token ? { token } : {}),
          line: (items.length > 0 ? items[items.length - 1]!.position : 0) + 1,
          deadLetteredThrough: (items.length > 0 ? items[items.length - 1]!.position : 0) + 1,
          file: fileName,
          ...(anchor !== undefined ? { anchor } : {}),
          ...(resume.visited ? { visited: resume.visited } : {}),
        };
        const error = new MimecastBadResponseError(
          `API 1.0 SIEM: mc-siem-token repeats (the chain points back to a file already read); stopping instead of re-sending it`,
          fileName,
          200,
        );
        return failureOutcome(error, counts, end);
      }
      // The whole file is in: only now may the token move past it.
      const seen = [...visited, tokenHash(token)].slice(-MAX_VISITED);
      resume = {
        ...SIEM_V1_START,
        ...(result.nextToken ? { token: result.nextToken } : token ? { token } : {}),
        visited: seen,
      };
      if (!result.nextToken) {
        return { kind: "completed", counts, resume };
      }
      await job.onSegmentAccepted?.(resume, counts);
      if (pastDeadline(job)) return budgetUsed(counts, resume);
    }
    return { kind: "partial", counts, resume, reason: "file limit reached; continuing in the next activity" };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}

/** Anchor of the last item before 1-based `line` (items are positioned by line, not by index). */
function anchorBefore(items: readonly SegmentItem[], line: number): string | undefined {
  const index = items.findIndex((i) => i.position >= line);
  return anchorAt(items, index < 0 ? items.length : index);
}
