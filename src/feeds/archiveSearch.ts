import { ENDPOINTS } from "../mimecast/endpoints";
import { jsonWindowFeed, recordSchema, startEndFilter, strings } from "./define";
import { DAY_MS } from "./time";

/** Archive search logs (`POST /api/archive/get-archive-search-logs`, `data[0].logs`): who searched what. */
export const archiveSearchFeed = jsonWindowFeed({
  id: "archive-search",
  title: "Archive search logs",
  permission: "Archive → Search Logs → Read",
  defaultTable: "MimecastArchiveSearch_CL",
  endpoint: ENDPOINTS.archiveSearchLogs,
  filter: startEndFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "createTime",
  columns: [
    { name: "createTime", type: "datetime" },
    ...strings("emailAddr", "source", "searchText", "searchReason", "description"),
    { name: "isAdmin", type: "boolean" },
  ],
  recordSchema: recordSchema("createTime"),
});
