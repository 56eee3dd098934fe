import { ENDPOINTS } from "../mimecast/endpoints";
import { jsonWindowFeed, recordSchema, startEndFilter, strings } from "./define";
import { DAY_MS } from "./time";

/**
 * Archive message view logs (`POST /api/archive/get-view-logs`, records in `data`): who opened which
 * archived message, and whether for a discovery case. Time field `viewed`; no id, so the EventId is the
 * record's fingerprint. Fields from Mimecast's API 1.0 page (research §8); retention assumed 90 days.
 */
export const archiveViewLogsFeed = jsonWindowFeed({
  id: "archive-view-logs",
  title: "Archive view logs",
  permission: "Archive → View Logs → Read",
  defaultTable: "MimecastArchiveViewLogs_CL",
  endpoint: ENDPOINTS.archiveViewLogs,
  filter: startEndFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "viewed",
  columns: [
    { name: "viewed", type: "datetime" },
    ...strings("viewer", "from", "to", "subject", "source"),
    { name: "contentViewed", type: "boolean" },
    { name: "discoveryCase", type: "boolean" },
    { name: "messageDate", type: "datetime" },
  ],
  recordSchema: recordSchema("viewed"),
});
