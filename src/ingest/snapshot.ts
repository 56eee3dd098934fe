import { mapRecord } from "../feeds/mapping";
import { snapshotIdFor } from "../feeds/snapshot";
import type { SnapshotFeedSpec } from "../feeds/types";
import { paginateJson } from "../mimecast/pagination";
import type { SentinelRow, StreamSchema } from "../sentinel/streams";
import type { JsonWindowResume } from "./jsonWindow";
import { anchorAt, failureOutcome } from "./jsonWindow";
import type { SegmentItem } from "./segment";
import { uploadOrdered, uploadUnitSegment } from "./segment";
import type { UnitJobBase } from "./segment";
import { SNAPSHOT_STREAM } from "./streams";
import type { IngestCounts, UnitOutcome } from "./types";
import { addCounts, zeroCounts, budgetUsed, pastDeadline } from "./types";

/**
 * Where to resume a snapshot: the page (and record) like a JSON window, the parent being read (phishing
 * campaign), and running totals for the completion marker.
 */
export interface SnapshotResume extends JsonWindowResume {
  /** Parent (campaign) id whose pages are being read; undefined = the first parent. */
  parentId?: string;
  /** Rows and dead-letters of this snapshot accepted so far, over every attempt. */
  rows: number;
  deadLettered: number;
  /** Every page is in; only the completion marker is left to write. */
  pagesDone?: boolean;
  /** The completion marker is in too: the snapshot is complete (a second execution sends nothing). */
  markerWritten?: boolean;
}

export const SNAPSHOT_START: SnapshotResume = {
  skipRecords: 0,
  deadLetteredThrough: 0,
  rows: 0,
  deadLettered: 0,
};

export interface SnapshotJob extends UnitJobBase {
  feed: SnapshotFeedSpec;
  /** The snapshot's time, chosen by the caller once and passed again on every retry (→ same SnapshotId). */
  snapshotTime: number;
  resume?: SnapshotResume;
  /** Where the completion row goes (default SNAPSHOT_STREAM). */
  markerStream?: StreamSchema;
}

interface Parent {
  id?: string;
  inherit: Record<string, unknown>;
}

type Step = { kind: "next" } | { kind: "stop"; outcome: UnitOutcome<SnapshotResume> };

/**
 * Writes one full snapshot of an awareness feed: every record tagged with SnapshotId/SnapshotTime, pages
 * uploaded like a JSON window (resume point only over accepted rows), then one completion row in
 * `MimecastSnapshots_CL`. A retry with the same `snapshotTime` continues the same snapshot; rows that
 * may have landed twice carry the same EventId.
 */
export async function ingestSnapshot(job: SnapshotJob): Promise<UnitOutcome<SnapshotResume>> {
  const { client, feed, sink, stream } = job;
  const snapshotId = snapshotIdFor(feed.id, job.snapshotTime);
  const snapshotTime = new Date(job.snapshotTime).toISOString();
  let resume: SnapshotResume = job.resume ?? SNAPSHOT_START;
  let counts: IngestCounts = zeroCounts();
  const timeUp = (): boolean => pastDeadline(job);
  const stopForBudget = (): UnitOutcome<SnapshotResume> => budgetUsed(counts, resume);

  /** Pages one query (the whole feed, or one parent's records) from `resume`. */
  async function ingestQuery(parent: Parent): Promise<Step> {
    const filter = feed.filter(parent.id);
    const pages = paginateJson(client, feed.endpoint, {
      ...(filter ? { filter } : {}),
      ...(resume.pageToken ? { pageToken: resume.pageToken } : {}),
    });
    const where = parent.id === undefined ? snapshotId : `${snapshotId} ${feed.parent?.idField} ${parent.id}`;
    const position = (r: Partial<SnapshotResume>): SnapshotResume => ({
      skipRecords: 0,
      deadLetteredThrough: 0,
      ...r,
      ...(parent.id !== undefined ? { parentId: parent.id } : {}),
      rows: resume.rows,
      deadLettered: resume.deadLettered,
    });
    for await (const page of pages) {
      const items: SegmentItem[] = page.records.map((record, index) => ({
        position: index,
        sourcePosition: `${where} page ${page.requestToken ?? "first"} record ${index}`,
        mapped: mapRecord(feed, {
          ...(record as object),
          ...parent.inherit,
          SnapshotId: snapshotId,
          SnapshotTime: snapshotTime,
        }),
        raw: record,
      }));
      if (resume.skipRecords > 0 && resume.anchor !== undefined) {
        if (anchorAt(items, resume.skipRecords) !== resume.anchor) {
          // The page changed since we stopped inside it: send it all again (same EventIds), skip nothing.
          counts = addCounts(counts, { ...zeroCounts(), resent: resume.skipRecords });
          resume = { ...resume, skipRecords: 0, deadLetteredThrough: 0 };
        }
      }
      counts = addCounts(counts, {
        ...zeroCounts(),
        pages: 1,
        fetched: Math.max(0, items.length - resume.skipRecords),
      });
      const checkpoint = job.onSegmentAccepted;
      const base = counts;
      const before = resume;
      const result = await uploadUnitSegment(
        job,
        feed.id,
        items,
        { safeThrough: resume.skipRecords, deadLetteredThrough: resume.deadLetteredThrough },
        checkpoint
          ? (progress, segmentCounts) => {
              const anchor = anchorAt(items, progress.safeThrough);
              return checkpoint(
                {
                  ...position({
                    ...(page.requestToken ? { pageToken: page.requestToken } : {}),
                    skipRecords: progress.safeThrough,
                    deadLetteredThrough: progress.deadLetteredThrough,
                    ...(anchor !== undefined ? { anchor } : {}),
                  }),
                  rows: before.rows + segmentCounts.ingested,
                  deadLettered: before.deadLettered + segmentCounts.deadLettered,
                },
                addCounts(base, segmentCounts),
              );
            }
          : undefined,
      );
      counts = addCounts(counts, result.counts);
      resume = {
        ...resume,
        rows: resume.rows + result.counts.ingested,
        deadLettered: resume.deadLettered + result.counts.deadLettered,
      };
      if (result.failure) {
        const anchor = anchorAt(items, result.progress.safeThrough);
        resume = position({
          ...(page.requestToken ? { pageToken: page.requestToken } : {}),
          skipRecords: result.progress.safeThrough,
          deadLetteredThrough: result.progress.deadLetteredThrough,
          ...(anchor !== undefined ? { anchor } : {}),
        });
        const reason = `Sentinel did not accept ${stream.streamName} rows: ${result.failure.message}`;
        return {
          kind: "stop",
          outcome: result.failure.retryable
            ? { kind: "partial", counts, resume, reason }
            : { kind: "failed", counts, resume, reason, retryable: false },
        };
      }
      resume = position(page.nextToken ? { pageToken: page.nextToken } : {});
      if (!page.nextToken) return { kind: "next" };
      await job.onSegmentAccepted?.(resume, counts);
      if (timeUp()) return { kind: "stop", outcome: stopForBudget() };
    }
    return { kind: "next" };
  }

  try {
    if (resume.markerWritten) return { kind: "completed", counts, resume };
    if (!resume.pagesDone) {
      const parents = feed.parent ? await listParents(job) : [{ inherit: {} }];
      let start = 0;
      if (feed.parent && resume.parentId !== undefined) {
        start = parents.findIndex((p) => p.id === resume.parentId);
        if (start < 0) {
          // The parent we stopped in is gone from the listing: start over (same EventIds), skip nothing.
          counts = addCounts(counts, { ...zeroCounts(), resent: resume.rows });
          resume = { ...SNAPSHOT_START, rows: resume.rows, deadLettered: resume.deadLettered };
          start = 0;
        }
      }
      for (let index = start; index < parents.length; index += 1) {
        const parent = parents[index]!;
        if (index !== start) {
          if (timeUp()) return stopForBudget();
          resume = {
            ...SNAPSHOT_START,
            ...(parent.id !== undefined ? { parentId: parent.id } : {}),
            rows: resume.rows,
            deadLettered: resume.deadLettered,
          };
        }
        const step = await ingestQuery(parent);
        if (step.kind === "stop") return step.outcome;
      }
      resume = { ...SNAPSHOT_START, rows: resume.rows, deadLettered: resume.deadLettered, pagesDone: true };
    }
    const marker: SentinelRow = {
      TimeGenerated: snapshotTime,
      EventId: snapshotId,
      Feed: feed.id,
      SnapshotId: snapshotId,
      SnapshotTime: snapshotTime,
      CompletedAt: new Date(job.now()).toISOString(),
      RowCount: resume.rows,
      DeadLettered: resume.deadLettered,
    };
    const sent = await uploadOrdered(sink, job.markerStream ?? SNAPSHOT_STREAM, [marker], job.signal);
    counts = addCounts(counts, { ...zeroCounts(), ambiguous: sent.ambiguous });
    if (sent.failure) {
      const reason = `Sentinel did not accept the snapshot completion row: ${sent.failure.message}`;
      return sent.failure.retryable
        ? { kind: "partial", counts, resume, reason }
        : { kind: "failed", counts, resume, reason, retryable: false };
    }
    // Checkpointed, so a second execution of this unit does not write the marker again.
    await job.onSegmentAccepted?.({ ...resume, markerWritten: true }, counts);
    return { kind: "completed", counts, resume };
  } catch (error) {
    return failureOutcome(error, counts, resume);
  }
}

/** Every parent (campaign) at this moment, in the API's order. */
async function listParents(job: SnapshotJob): Promise<Parent[]> {
  const spec = job.feed.parent!;
  const parents: Parent[] = [];
  for await (const page of paginateJson(job.client, spec.endpoint)) {
    for (const record of page.records) {
      const id = record[spec.idField];
      if (typeof id !== "string" || id === "") continue; // no id: nothing can be asked about it
      const inherit: Record<string, unknown> = {};
      for (const [field, from] of Object.entries(spec.inherit)) inherit[field] = record[from];
      parents.push({ id, inherit });
    }
  }
  return parents;
}
