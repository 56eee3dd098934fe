import type { JsonEndpoint } from "../mimecast/endpoints";
import { fingerprintEventId, ownIdWithFingerprint } from "./eventId";
import { formatMimecastTime, parseMimecastTime } from "./time";
import type { ColumnSpec, JsonWindowFeedSpec } from "./types";

type Rec = Readonly<Record<string, unknown>>;

/**
 * EventId from the record's own `idField` when present — with the record's fingerprint beside it, since
 * Mimecast reuses ids across distinct records (impersonation `MTOKEN`s) — else the fingerprint alone.
 */
export function idOrFingerprint(feedId: string, idField?: string): (record: Rec) => string {
  return (record) => {
    const id = idField ? record[idField] : undefined;
    return typeof id === "string" && id.length > 0
      ? ownIdWithFingerprint(feedId, id, record)
      : fingerprintEventId(feedId, record);
  };
}

/** Event time read from one field in any Mimecast time format. */
export const timeFrom =
  (field: string) =>
  (record: Rec): number | undefined =>
    parseMimecastTime(record[field]);

/** `string` columns named after record fields (the common case in the Mimecast 3.1 tables). */
export const strings = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: "string" }));

/** A record schema: an object whose time field is a string (everything else is free-form). */
export function recordSchema(
  timeField: string,
  extra: Record<string, unknown> = {},
  required: readonly string[] = [],
): Record<string, unknown> {
  return {
    type: "object",
    required: [timeField, ...required],
    properties: { [timeField]: { type: ["string", "number"] }, ...extra },
  };
}

/** The usual `{from, to, oldestFirst}` filter of the TTP / DLP endpoints. */
export const fromToFilter = (window: { from: number; to: number }): Record<string, unknown> => ({
  from: formatMimecastTime(window.from),
  to: formatMimecastTime(window.to),
  oldestFirst: true,
});

/** The `{start, end}` filter of the held-release and archive-search endpoints. */
export const startEndFilter = (window: { from: number; to: number }): Record<string, unknown> => ({
  start: formatMimecastTime(window.from),
  end: formatMimecastTime(window.to),
});

export interface JsonFeedDefinition extends Omit<
  JsonWindowFeedSpec,
  "source" | "eventTime" | "eventId" | "window"
> {
  endpoint: JsonEndpoint;
  /** Field holding the record's own id, if it has one. */
  idField?: string;
  maxWindowMs: number;
}

/** Declares a JSON-window feed; the rest of its spec follows from these facts. */
export function jsonWindowFeed(definition: JsonFeedDefinition): JsonWindowFeedSpec {
  const { idField, maxWindowMs, ...rest } = definition;
  return {
    ...rest,
    source: "json",
    window: { kind: "time-window", maxWindowMs },
    eventTime: timeFrom(definition.timeField),
    eventId: idOrFingerprint(definition.id, idField),
  };
}
