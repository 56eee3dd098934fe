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
  ],
};

/** A destination table and the DCR stream that feeds it. */
export interface TableStream {
  table: string;
  stream: StreamSchema;
  /** Feed id, or undefined for the connector's own tables. */
  feedId?: string;
}

/** Every table the connector writes, with default names: what infra and content are generated from. */
export function allTableStreams(feeds: readonly FeedSpecBase[]): TableStream[] {
  return [
    ...feeds.map((feed) => ({ table: feed.defaultTable, stream: streamFor(feed), feedId: feed.id })),
    { table: DEAD_LETTER_TABLE, stream: DEAD_LETTER_STREAM },
    { table: CONNECTOR_HEALTH_TABLE, stream: CONNECTOR_HEALTH_STREAM },
  ];
}
