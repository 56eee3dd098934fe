import { ENDPOINTS } from "../mimecast/endpoints";
import { jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS, formatMimecastTime } from "./time";

/**
 * Audit events (`POST /api/audit/get-audit-events`, records directly in `data`). Mimecast restricts
 * historical lookup to the last 60 days; `id` is the EventId.
 */
export const auditFeed = jsonWindowFeed({
  id: "audit",
  title: "Audit events",
  permission: "Account → Logs → Read",
  defaultTable: "Audit_CL",
  endpoint: ENDPOINTS.auditEvents,
  filter: (window) => ({
    startDateTime: formatMimecastTime(window.from),
    endDateTime: formatMimecastTime(window.to),
  }),
  maxWindowMs: DAY_MS,
  retentionDays: 60,
  timeField: "eventTime",
  idField: "id",
  columns: [
    ...strings("id", "auditType", "user", "eventInfo", "category"),
    { name: "eventTime", type: "datetime" },
  ],
  recordSchema: recordSchema("eventTime", { id: { type: "string" } }),
});
