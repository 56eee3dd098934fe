import { fingerprintEventId } from "./eventId";
import type { ColumnSpec, SnapshotFeedSpec } from "./types";
import { timeFrom } from "./define";

/** Columns every snapshot row carries before the table's own (which snapshot, taken when). */
export const SNAPSHOT_COLUMNS: readonly ColumnSpec[] = [
  { name: "SnapshotId", type: "string", description: "Same for every row of one snapshot run" },
  { name: "SnapshotTime", type: "datetime", description: "When the snapshot was taken (caller's time)" },
];

/**
 * The snapshot's id: readable and deterministic from the feed and the snapshot time the caller chose, so
 * a retried or resumed run writes the same SnapshotId (and the same EventIds) instead of a second copy.
 */
export function snapshotIdFor(feedId: string, snapshotTime: number): string {
  return `${feedId}@${new Date(snapshotTime).toISOString()}`;
}

/** EventId of a snapshot row: fingerprint of the SnapshotId and the record's key fields. */
export function snapshotEventId(feedId: string, keyFields: readonly string[]) {
  return (record: Readonly<Record<string, unknown>>): string =>
    fingerprintEventId(feedId, {
      snapshot: record["SnapshotId"],
      key: keyFields.map((field) => record[field] ?? null),
    });
}

export type SnapshotFeedDefinition = Omit<
  SnapshotFeedSpec,
  "source" | "window" | "timeField" | "eventTime" | "eventId" | "recordSchema"
> & {
  cadenceMs: number;
  /** Extra JSON-schema properties for the record (the key fields are always required strings). */
  schemaProperties?: Record<string, unknown>;
};

/** Declares a snapshot feed: the SnapshotId/SnapshotTime columns, time and EventId rules follow. */
export function snapshotFeed(definition: SnapshotFeedDefinition): SnapshotFeedSpec {
  const { cadenceMs, schemaProperties = {}, columns, ...rest } = definition;
  const keyProperties = Object.fromEntries(
    definition.keyFields.map((field) => [field, { type: "string", minLength: 1 }]),
  );
  return {
    ...rest,
    source: "snapshot",
    window: { kind: "snapshot", cadenceMs },
    timeField: "SnapshotTime",
    eventTime: timeFrom("SnapshotTime"),
    eventId: snapshotEventId(definition.id, definition.keyFields),
    columns: [...SNAPSHOT_COLUMNS, ...columns],
    recordSchema: {
      type: "object",
      required: ["SnapshotId", "SnapshotTime", ...definition.keyFields],
      properties: { ...keyProperties, ...schemaProperties },
    },
  };
}
