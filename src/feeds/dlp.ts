import { ENDPOINTS } from "../mimecast/endpoints";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS } from "./time";

/** DLP logs (`POST /api/dlp/get-logs`, records in `data[0].dlpLogs`). No id: fingerprint. */
export const dlpFeed = jsonWindowFeed({
  id: "dlp",
  title: "Data Leak Prevention logs",
  permission: "Monitoring → Data Leak Prevention → Read",
  defaultTable: "Seg_Dlp_CL",
  endpoint: ENDPOINTS.dlpLogs,
  filter: fromToFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "eventTime",
  columns: [
    { name: "eventTime", type: "datetime" },
    ...strings("senderAddress", "recipientAddress", "subject", "route", "policy", "action", "messageId"),
  ],
  recordSchema: recordSchema("eventTime"),
});
