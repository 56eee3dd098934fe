import { mapRecord } from "../feeds/mapping";
import type { StixContext } from "../feeds/stix";
import { addStixContext, emptyStixContext, indicatorRecords, stixContextOf } from "../feeds/stix";
import { formatMimecastTime } from "../feeds/time";
import type { ThreatIntelFeedSpec } from "../feeds/types";
import { MimecastBadResponseError } from "../mimecast/errors";
import { fetchThreatIntelFeed } from "../mimecast/threatIntel";
import type { TiUpload } from "../sentinel/tiUpload";
import { boundedPauseMs } from "../shared/pause";
import { isolatedItem } from "./isolate";
import { anchorAt, failureOutcome } from "./jsonWindow";
import { sinkFailureOutcome } from "./sinkFailure";
import type { SegmentItem } from "./segment";
import { deadLetterRow, uploadOrdered, uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import { DEAD_LETTER_STREAM } from "./streams";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts, budgetUsed, pastDeadline } from "./types";

/**
 * Where to resume a threat-intel window: the file (by the token that fetches it) and how far into its
 * indicators each destination got. The token moves to the next file only when both are done.
 */
export interface ThreatIntelResume {
  /** `X-Mc-Threat-Feed-Next-Token` that fetches the current file; undefined = the window's first file. */
  token?: string;
  /** Indicators of that file handled in the custom table (rows accepted or dead-lettered). */
  skipRecords: number;
  /** Indicators of that file whose dead-letters are stored. */
  deadLetteredThrough: number;
  /** Indicators of that file done in Sentinel TI (accepted, or refused and dead-lettered). */
  tiThrough: number;
  /** Fingerprint of the last handled indicator, to notice a file that changed under a resume point. */
  anchor?: string;
}

export const THREAT_INTEL_START: ThreatIntelResume = { skipRecords: 0, deadLetteredThrough: 0, tiThrough: 0 };

export interface ThreatIntelJob extends UnitJobBase {
  feed: ThreatIntelFeedSpec;
  /** [from, to) of indicator times; the file chain is followed to its end inside it. */
  window: { from: number; to: number };
  resume?: ThreatIntelResume;
  /** Sentinel TI upload; skipped when absent (custom table only). */
  tiUpload?: TiUpload;
  /** Safety bound on files per call. */
  maxFiles?: number;
}

/**
 * Ingests one window of a threat-intel feed file by file along the token chain: each file's indicators
 * go to the custom table (prefix-exact, like every unit), then to Sentinel TI (refused objects become
 * dead-letters with the service's reason); only then does the token move on.
 */
export async function ingestThreatIntel(job: ThreatIntelJob): Promise<UnitOutcome<ThreatIntelResume>> {
  const { client, feed, sink, stream } = job;
  let resume = job.resume ?? THREAT_INTEL_START;
  let counts: IngestCounts = zeroCounts();
  const stop = (retryable: boolean, reason: string): UnitOutcome<ThreatIntelResume> =>
    retryable
      ? { kind: "partial", counts, resume, reason }
      : { kind: "failed", counts, resume, reason, retryable: false };
  const fetchFile = (token: string | undefined) =>
    fetchThreatIntelFeed(client, {
      feedType: feed.feedType,
      fileType: "stix",
      start: formatMimecastTime(job.window.from),
      end: formatMimecastTime(job.window.to),
      ...(token ? { token } : {}),
    });
  try {
    let chain: StixContext | undefined;
    for (let fileNumber = 0; fileNumber < (job.maxFiles ?? 10_000); fileNumber += 1) {
      const token = resume.token;
      const file = await fetchFile(token);
      if (file.kind === "empty") return { kind: "completed", counts, resume: THREAT_INTEL_START };
      if (file.kind !== "stix") {
        throw new MimecastBadResponseError("threat-intel feed answered CSV to a STIX request", feed.id);
      }
      // A chain of one file carries its own context; otherwise read the chain's context once first.
      if (chain === undefined && (token !== undefined || file.nextToken !== undefined)) {
        chain = await chainContext(fetchFile, job.maxFiles ?? 10_000);
      }
      const indicators = indicatorRecords(file.objects, feed.feedType, chain ?? emptyStixContext());
      const items: SegmentItem[] = indicators.map((indicator, index) => ({
        ...isolatedItem(
          index,
          `${feed.id} file ${token ?? "first"} indicator ${index} (object ${indicator.objectIndex})`,
          indicator.object,
          () => mapRecord(feed, indicator.record),
        ),
        raw: indicator.object,
      }));
      const handled = Math.max(resume.skipRecords, resume.tiThrough);
      if (handled > 0 && resume.anchor !== undefined && anchorAt(items, handled) !== resume.anchor) {
        // The file changed since we stopped inside it: send it all again (same EventIds, TI upserts).
        counts = addCounts(counts, { ...zeroCounts(), resent: handled });
        resume = { ...THREAT_INTEL_START, ...(token ? { token } : {}) };
      }
      // A file read again only to find it done (a resumed or repeated unit) is not a page more.
      const fresh = Math.max(0, items.length - resume.skipRecords);
      counts = addCounts(counts, { ...zeroCounts(), pages: fresh > 0 ? 1 : 0, fetched: fresh });
      const at = (r: Omit<ThreatIntelResume, "token" | "anchor">): ThreatIntelResume => {
        const anchor = anchorAt(items, Math.max(r.skipRecords, r.tiThrough));
        return { ...(token ? { token } : {}), ...r, ...(anchor !== undefined ? { anchor } : {}) };
      };

      // 1. The custom table.
      const checkpoint = job.onSegmentAccepted;
      const base = counts;
      const tiBefore = resume.tiThrough;
      const table = await uploadUnitSegment(
        job,
        feed.id,
        items,
        { safeThrough: resume.skipRecords, deadLetteredThrough: resume.deadLetteredThrough },
        checkpoint
          ? (progress, segmentCounts) =>
              checkpoint(
                at({
                  skipRecords: progress.safeThrough,
                  deadLetteredThrough: progress.deadLetteredThrough,
                  tiThrough: tiBefore,
                }),
                addCounts(base, segmentCounts),
              )
          : undefined,
      );
      counts = addCounts(counts, table.counts);
      resume = at({
        skipRecords: table.progress.safeThrough,
        deadLetteredThrough: table.progress.deadLetteredThrough,
        tiThrough: resume.tiThrough,
      });
      if (table.failure) {
        const reason = `Sentinel did not accept ${stream.streamName} rows: ${table.failure.message}`;
        return sinkFailureOutcome(table.failure, counts, resume, reason, job.now());
      }

      // 2. Sentinel threat intelligence: the indicators that made valid rows (the rest are dead-letters).
      if (job.tiUpload) {
        const pending = items.filter((i) => i.position >= resume.tiThrough && i.mapped.kind === "row");
        if (pending.length === 0) {
          resume = at({ ...resume, tiThrough: items.length });
        } else {
          const objects = pending.map((i) => i.raw as Record<string, unknown>);
          const ti = await job.tiUpload.upload(objects, job.signal);
          const refused = ti.rejected.map(({ index, reason }): SegmentItem => {
            const item = pending[index]!;
            return {
              position: item.position,
              sourcePosition: `${item.sourcePosition} (Sentinel TI upload)`,
              mapped: { kind: "dead-letter", reason },
              raw: item.raw,
            };
          });
          if (refused.length > 0) {
            const rows = refused.map((item) => deadLetterRow(feed.id, item, job.now()));
            const stored = await uploadOrdered(sink, DEAD_LETTER_STREAM, rows, job.signal);
            counts = addCounts(counts, {
              ...zeroCounts(),
              deadLettered: stored.accepted,
              ambiguous: stored.ambiguous,
            });
            if (stored.failure) {
              // tiThrough stays: the batch is uploaded again (an upsert) and its refusals stored then.
              return stop(true, `Sentinel did not accept dead-letters: ${stored.failure.message}`);
            }
          }
          const tiThrough = ti.done >= pending.length ? items.length : pending[ti.done]!.position;
          resume = at({
            skipRecords: resume.skipRecords,
            deadLetteredThrough: resume.deadLetteredThrough,
            tiThrough,
          });
          if (ti.failure) {
            const reason = `Sentinel TI upload: ${ti.failure.message}`;
            if (ti.failure.status === 429 && ti.failure.retryAfterMs !== undefined) {
              const until = job.now() + boundedPauseMs(ti.failure.retryAfterMs);
              return { kind: "rate-limited", counts, resume, until };
            }
            return stop(ti.failure.retryable, reason);
          }
        }
      }

      // Both destinations have the whole file: only now may the token move past it.
      if (!file.nextToken) {
        // The window is done. Checkpoint the end of its last file, so a second execution of this unit
        // (at-least-once) finds nothing left to send; the result's own resume point means "done".
        const end = items.length;
        await checkpoint?.(at({ skipRecords: end, deadLetteredThrough: end, tiThrough: end }), counts);
        return { kind: "completed", counts, resume: THREAT_INTEL_START };
      }
      resume = { ...THREAT_INTEL_START, token: file.nextToken };
      await job.onSegmentAccepted?.(resume, counts);
      if (pastDeadline(job)) return budgetUsed(counts, resume);
    }
    return { kind: "partial", counts, resume, reason: "file limit reached; continuing in the next activity" };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}

/** Context objects kept from one chain at most: a bounded prefetch, whatever the files hold. */
const MAX_CONTEXT_OBJECTS = 200_000;

/**
 * The malware and relationship objects of every file of the window's token chain, so an indicator
 * gets its MalwareNames even when its relationship is served in another file. Only called for chains
 * of more than one file (they are read once more, for context only).
 */
async function chainContext(
  fetchFile: (token: string | undefined) => ReturnType<typeof fetchThreatIntelFeed>,
  maxFiles: number,
): Promise<StixContext> {
  const context = emptyStixContext();
  let token: string | undefined;
  const seen = new Set<string>();
  for (let n = 0; n < maxFiles; n += 1) {
    const file = await fetchFile(token);
    if (file.kind !== "stix") return context;
    addStixContext(context, stixContextOf(file.objects));
    if (context.malwareNames.size + context.indicates.length > MAX_CONTEXT_OBJECTS) return context;
    if (!file.nextToken || seen.has(file.nextToken)) return context;
    seen.add(file.nextToken);
    token = file.nextToken;
  }
  return context;
}
