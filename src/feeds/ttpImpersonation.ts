import { ENDPOINTS } from "../mimecast/endpoints";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { dataCollectorCopies } from "./legacyColumns";
import { DAY_MS } from "./time";
import type { ColumnSpec } from "./types";

/** The 3.x `Ttp_Impersonation_CL` columns, with its types (`impersonationResults` is a string there). */
const COLUMNS: readonly ColumnSpec[] = [
  ...strings("id", "senderAddress", "recipientAddress", "subject", "definition", "action"),
  ...strings("senderIpAddress", "messageId", "impersonationResults"),
  { name: "hits", type: "real" },
  { name: "identifiers", type: "dynamic" },
  { name: "taggedExternal", type: "boolean" },
  { name: "taggedMalicious", type: "boolean" },
  { name: "eventTime", type: "datetime" },
];

/**
 * TTP Impersonation Protect logs (`POST /api/ttp/impersonation/get-logs`); `id` is the EventId. Columns of
 * the Mimecast 3.x `Ttp_Impersonation_CL`…
 */
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
  // …and the Data Collector names the 1.0.0 parser reads (`id_s`, `taggedMalicious_b`, …): small table.
  columns: [...COLUMNS, ...dataCollectorCopies(COLUMNS)],
  recordSchema: recordSchema("eventTime", { id: { type: "string" } }),
});
