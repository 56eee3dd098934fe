import { ENDPOINTS } from "../mimecast/endpoints";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS } from "./time";

/** TTP Attachment Protection logs (`POST /api/ttp/attachment/get-logs`, `data[0].attachmentLogs`). */
export const ttpAttachmentFeed = jsonWindowFeed({
  id: "ttp-attachment",
  title: "TTP Attachment Protection logs",
  permission: "Monitoring → Attachment Protection → Read",
  defaultTable: "Ttp_Attachment_CL",
  endpoint: ENDPOINTS.ttpAttachmentLogs,
  filter: fromToFilter,
  maxWindowMs: DAY_MS,
  retentionDays: 90,
  timeField: "date",
  columns: [
    ...strings("actionTriggered", "definition", "details", "fileHash", "fileName", "fileType", "messageId"),
    ...strings("recipientAddress", "result", "route", "senderAddress", "subject"),
    { name: "Date", type: "string", from: "date" },
  ],
  recordSchema: recordSchema("date"),
});
