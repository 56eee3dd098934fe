import { ENDPOINTS } from "../mimecast/endpoints";
import { jsonWindowFeed, recordSchema, startEndFilter, strings } from "./define";
import { DAY_MS } from "./time";

/**
 * Held-message release logs (`POST /api/gateway/get-held-release-logs`, `data[0].heldReleaseLogs`),
 * including messages that expired in the held queue. Not collected by the Mimecast 3.1 solution: new
 * table. `id` is the EventId; nested sender/operator objects are flattened into columns.
 */
export const messageReleaseFeed = jsonWindowFeed({
  id: "message-release",
  title: "Held message release logs",
  permission: "Monitoring → Held → Read",
  defaultTable: "MimecastMessageRelease_CL",
  endpoint: ENDPOINTS.heldReleaseLogs,
  filter: startEndFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "released",
  idField: "id",
  columns: [
    ...strings("id", "heldGroup", "heldReason", "messageInfo", "policy", "rejectReason", "route", "status"),
    ...strings("subject", "detectionLevel"),
    { name: "released", type: "datetime" },
    { name: "attachments", type: "boolean" },
    { name: "size", type: "long" },
    { name: "spamScore", type: "real" },
    { name: "fromEnvelopeAddress", type: "string", from: "fromEnv.emailAddress" },
    { name: "fromHeaderAddress", type: "string", from: "fromHdr.emailAddress" },
    { name: "operatorAddress", type: "string", from: "operator.emailAddress" },
    { name: "to", type: "dynamic" },
    { name: "spamProcessingDetail", type: "dynamic" },
  ],
  recordSchema: recordSchema("released", { id: { type: "string" } }),
});
