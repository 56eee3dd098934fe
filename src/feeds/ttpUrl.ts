import { ENDPOINTS } from "../mimecast/endpoints";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS } from "./time";

/**
 * TTP URL click logs (`POST /api/ttp/url/get-logs`, `data[0].clickLogs`). No id field; the fingerprint
 * covers messageId, url, date and user (the whole record). `category`→`Category` and `date`→`Date`
 * keep the Mimecast 3.1 `Ttp_Url_CL` column names.
 */
export const ttpUrlFeed = jsonWindowFeed({
  id: "ttp-url",
  title: "TTP URL Protect click logs",
  permission: "Monitoring → URL Protection → Read",
  defaultTable: "Ttp_Url_CL",
  endpoint: ENDPOINTS.ttpUrlLogs,
  filter: fromToFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "date",
  columns: [
    ...strings("action", "adminOverride", "creationMethod", "fromUserEmailAddress", "messageId", "route"),
    ...strings("scanResult", "sendingIp", "subject", "ttpDefinition", "url", "userAwarenessAction"),
    ...strings("userEmailAddress", "userOverride"),
    { name: "Category", type: "string", from: "category" },
    { name: "Date", type: "string", from: "date" },
    { name: "actions", type: "dynamic" },
    { name: "emailPartsDescription", type: "dynamic" },
    { name: "tagMap", type: "dynamic" },
  ],
  recordSchema: recordSchema("date", { url: { type: "string" } }),
});
