import { ENDPOINTS } from "../mimecast/endpoints";
import { jsonWindowFeed, recordSchema, startEndFilter, strings } from "./define";
import { DAY_MS } from "./time";

/**
 * Rejected messages and why (`POST /api/gateway/get-rejections`, `data[0].rejections`, `admin: true` for
 * every mailbox). Time field `created`; `id` is the EventId. Field list from Mimecast's V2 example output
 * (research §7); the retention Mimecast keeps is not documented — 30 days is assumed.
 */
export const rejectionsFeed = jsonWindowFeed({
  id: "rejections",
  title: "Rejections",
  permission: "Monitoring → Rejections → Read",
  defaultTable: "MimecastRejections_CL",
  endpoint: ENDPOINTS.rejections,
  filter: (window) => ({ admin: true, ...startEndFilter(window) }),
  maxWindowMs: DAY_MS,
  retentionDays: 30,
  timeField: "created",
  idField: "id",
  columns: [
    { name: "created", type: "datetime" },
    ...strings("id", "description", "detectionLevel", "fromAddress", "toAddress"),
    ...strings("toAddressPreCheck", "toAddressPostCheck", "info", "ipAddress", "remoteEhlo", "remoteName"),
    { name: "manageRecipient", type: "boolean" },
    { name: "spamScore", type: "int" },
    { name: "type", type: "int" },
  ],
  recordSchema: recordSchema("created", { id: { type: "string" } }),
});
