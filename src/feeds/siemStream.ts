import type { SiemBatchKind } from "../mimecast/endpoints";
import { SIEM_BATCH_ONLY_FIELDS, siemRecordEventId } from "./eventId";

/**
 * The SIEM event stream (`GET /siem/v1/events/{cg,ci}`) beside the batch files: the same events inline,
 * near real time, for the last 24 hours only, under a lower quota. Facts from the research notes
 * (mimecast-api-log-endpoints.md §2); which order it serves events in is not documented.
 */
export const SIEM_STREAM_PATH: Record<SiemBatchKind, string> = {
  cg: "/siem/v1/events/cg",
  ci: "/siem/v1/events/ci",
};
export const SIEM_STREAM_FAMILY: Record<SiemBatchKind, string> = {
  cg: "siem-stream-cg",
  ci: "siem-stream-ci",
};
/** A start older than this is an HTTP 400. */
export const SIEM_STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;
export const SIEM_STREAM_MAX_PAGE_SIZE = 100;

export const BATCH_ONLY_FIELDS = SIEM_BATCH_ONLY_FIELDS;

/**
 * The EventId of a SIEM record, whichever path delivered it (see `siemRecordEventId`): a batch line and the
 * same event from the stream get one EventId — which is what makes a hand-over between the two checkable,
 * and parser-side dedup work across them.
 */
export function siemEventId(
  feedId: "siem-cg" | "siem-ci",
): (record: Readonly<Record<string, unknown>>, line?: string) => string {
  const kind = feedId === "siem-cg" ? "cg" : "ci";
  return (record, line) => siemRecordEventId(kind, record, line);
}
