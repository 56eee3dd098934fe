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
