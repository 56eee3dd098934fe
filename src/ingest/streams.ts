import type { FeedSpecBase } from "../feeds/types";
import { COMMON_COLUMNS } from "../feeds/types";
import { ROW_FLAG_COLUMNS } from "../sentinel/limits";
import type { StreamSchema } from "../sentinel/streams";

/** The DCR stream a feed's rows are sent to: `Custom-<table>`, common columns then the feed's own. */
export function streamFor(feed: FeedSpecBase, tableName: string = feed.defaultTable): StreamSchema {
  return {
    streamName: `Custom-${tableName}`,
    columns: [...COMMON_COLUMNS, ...feed.columns.map(({ name, type }) => ({ name, type }))],
  };
}

/** Where malformed input goes: one table for every feed, so nothing bad is ever silently dropped. */
export const DEAD_LETTER_TABLE = "MimecastDeadLetter_CL";

export const DEAD_LETTER_STREAM: StreamSchema = {
  streamName: `Custom-${DEAD_LETTER_TABLE}`,
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "EventId", type: "string" },
    { name: "Feed", type: "string" },
    { name: "Reason", type: "string" },
    { name: "RawData", type: "string" },
    { name: "SourcePosition", type: "string" },
    ...ROW_FLAG_COLUMNS,
  ],
};

/** Connector health: one row per feed cursor per supervisor cycle (lag, counts, errors, rate limits). */
export const CONNECTOR_HEALTH_TABLE = "MimecastConnectorHealth_CL";

export const CONNECTOR_HEALTH_STREAM: StreamSchema = {
  streamName: `Custom-${CONNECTOR_HEALTH_TABLE}`,
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "InstanceId", type: "string" },
    { name: "Cycle", type: "long" },
    { name: "Feed", type: "string" },
    { name: "Cursor", type: "string" },
    { name: "Status", type: "string" },
    { name: "Watermark", type: "datetime" },
    { name: "LagSeconds", type: "real" },
    { name: "BacklogWindows", type: "int" },
    { name: "EventsIngested", type: "long" },
    { name: "EventsTotal", type: "long" },
    { name: "DeadLettered", type: "long" },
    { name: "Ambiguous", type: "long" },
    { name: "RateLimitedUntil", type: "datetime" },
    { name: "LastError", type: "string" },
    { name: "LastErrorAt", type: "datetime" },
    // SIEM types only: "batch" or "stream", why that path owns the type, and since when.
    { name: "SiemPath", type: "string" },
    { name: "SiemPathReason", type: "string" },
    { name: "SiemPathSince", type: "datetime" },
  ],
};

/**
 * One row per completed snapshot (awareness feeds), written only after every row of the snapshot was
 * accepted: "the latest complete snapshot" is the newest SnapshotId here, never a half-written one.
 */
export const SNAPSHOT_TABLE = "MimecastSnapshots_CL";

export const SNAPSHOT_STREAM: StreamSchema = {
  streamName: `Custom-${SNAPSHOT_TABLE}`,
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "EventId", type: "string" },
    { name: "Feed", type: "string" },
    { name: "SnapshotId", type: "string" },
    { name: "SnapshotTime", type: "datetime" },
    { name: "CompletedAt", type: "datetime" },
    { name: "RowCount", type: "long" },
    { name: "DeadLettered", type: "long" },
  ],
};

/** A destination table and the DCR stream that feeds it. */
export interface TableStream {
  table: string;
  stream: StreamSchema;
  /** First feed writing it, or undefined for the connector's own tables. */
  feedId?: string;
  /** Every feed writing it (siem-v1 shares Seg_Cg_CL with siem-cg; both TI feeds share one table). */
  feedIds: string[];
}

/**
 * Every table the connector writes, with default names: what infra and content are generated from.
 * Feeds sharing a table (siem-v1 with siem-cg, both threat-intel feeds) appear once, under the first
 * feed; they must declare the same columns.
 */
export function allTableStreams(feeds: readonly FeedSpecBase[]): TableStream[] {
  const byTable = new Map<string, TableStream>();
  for (const feed of feeds) {
    const stream = streamFor(feed);
    const existing = byTable.get(feed.defaultTable);
    if (existing) {
      if (JSON.stringify(existing.stream) !== JSON.stringify(stream)) {
        throw new Error(
          `feeds ${existing.feedIds.join(", ")} and ${feed.id} share table ${feed.defaultTable} but declare different columns`,
        );
      }
      existing.feedIds.push(feed.id);
      continue;
    }
    byTable.set(feed.defaultTable, { table: feed.defaultTable, stream, feedId: feed.id, feedIds: [feed.id] });
  }
  return [
    ...byTable.values(),
    { table: DEAD_LETTER_TABLE, stream: DEAD_LETTER_STREAM, feedIds: [] },
    { table: CONNECTOR_HEALTH_TABLE, stream: CONNECTOR_HEALTH_STREAM, feedIds: [] },
    { table: SNAPSHOT_TABLE, stream: SNAPSHOT_STREAM, feedIds: [] },
  ];
}
