import { ENDPOINTS } from "../mimecast/endpoints";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS } from "./time";

/** TTP Impersonation Protect logs (`POST /api/ttp/impersonation/get-logs`); `id` is the EventId. */
export const ttpImpersonationFeed = jsonWindowFeed({
  id: "ttp-impersonation",
  title: "TTP Impersonation Protect logs",
  permission: "Monitoring → Impersonation Protection → Read",
  defaultTable: "Ttp_Impersonation_CL",
  endpoint: ENDPOINTS.ttpImpersonationLogs,
  filter: fromToFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "eventTime",
  idField: "id",
  columns: [
    ...strings("id", "senderAddress", "recipientAddress", "subject", "definition", "action"),
    ...strings("senderIpAddress", "messageId"),
    { name: "hits", type: "real" },
    { name: "identifiers", type: "dynamic" },
    { name: "taggedExternal", type: "boolean" },
    { name: "taggedMalicious", type: "boolean" },
    { name: "eventTime", type: "datetime" },
    { name: "impersonationResults", type: "dynamic" },
  ],
  recordSchema: recordSchema("eventTime", { id: { type: "string" } }),
});
