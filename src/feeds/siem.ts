import { SIEM_CG_TYPES, SIEM_CI_TYPES } from "../mimecast/endpoints";
import { strings, timeFrom } from "./define";
import { siemEventId } from "./siemStream";
import type { SiemBatchFeedSpec } from "./types";

/**
 * The Mimecast 3.1 solution rewrote `type` into these labels (`FILE_PREFIX_MC_TYPE`) and stored them as
 * `Logtype`; its parsers and analytic rules match on them, so we keep them.
 */
export const LEGACY_CG_LOGTYPE: Readonly<Record<string, string>> = {
  receipt: "email_receipt",
  process: "email_process",
  delivery: "email_delivery",
  av: "email_antivirus",
  spam: "email_spam",
  "internal email protect": "email_iep",
  "impersonation protect": "email_ttp_impersonation",
  "url protect": "email_ttp_url",
  "attachment protect": "email_ttp_ap",
  journal: "email_journal",
};

/** SIEM batch records carry `timestamp` in epoch ms. */
const siemRecordSchema = {
  type: "object",
  required: ["timestamp", "type"],
  properties: { timestamp: { type: ["number", "string"] }, type: { type: "string" } },
};

/**
 * SIEM Cloud Gateway batch logs (`GET /siem/v1/batch/events/cg`): ten event types, one `@nextPage`
 * cursor per type, day-granular ranges, 7 days of retention. Columns are the 59 of `Seg_Cg_CL` with the
 * 3.1 renames `type`→`Logtype` (legacy label), `_offset`→`offset`, `_partition`→`partition`; every
 * other field lands in AdditionalFields (the incumbent's DCR dropped them). No record id: fingerprint, over
 * the record without the batch-only `_offset`/`_partition`, so the stream's copy of an event has the same EventId.
 */
export const siemCgFeed: SiemBatchFeedSpec = {
  id: "siem-cg",
  title:
    "SIEM Cloud Gateway logs (receipt, process, delivery, AV, spam, IEP, impersonation, URL, attachment, journal)",
  permission:
    "Security Events and Data Retrieval → Threat and security events (SIEM) → Read; Enhanced Logging on",
  defaultTable: "Seg_Cg_CL",
  source: "siem-batch",
  window: { kind: "siem-day", batchKind: "cg", types: SIEM_CG_TYPES },
  retentionDays: 7,
  timeField: "timestamp",
  eventTime: timeFrom("timestamp"),
  eventId: siemEventId("siem-cg"),
  recordSchema: siemRecordSchema,
  columns: [
    ...strings("urlCategory", "scanResults", "fileName", "sha256", "fileExtension", "virusFound", "sha1"),
    ...strings(
      "senderDomain",
      "md5",
      "customThreatDictionary",
      "itemsDetected",
      "similarCustomExternalDomain",
    ),
    ...strings("taggedExternal", "similarInternalDomain", "newDomain", "internalUserName"),
    ...strings(
      "mimecastThreatDictionary",
      "similarMimecastExternalDomain",
      "customNameMatch",
      "taggedMalicious",
    ),
    ...strings(
      "replyMismatch",
      "aggregateId",
      "rejectionType",
      "rejectionCode",
      "rejectionInfo",
      "delivered",
    ),
    ...strings("destinationIp", "Hostname", "deliveryAttempts", "tlsUsed", "deliveryErrors", "attachments"),
    ...strings("route", "processingId", "accountId", "action"),
    { name: "timestamp", type: "real" },
    ...strings(
      "senderEnvelope",
      "messageId",
      "subject",
      "totalSizeAttachments",
      "numberAttachments",
      "emailSize",
    ),
    {
      name: "Logtype",
      type: "string",
      from: "type",
      convert: (v) => (typeof v === "string" ? (LEGACY_CG_LOGTYPE[v] ?? v) : v),
    },
    ...strings("subtype", "monitoredDomainSource", "similarDomain"),
    { name: "offset", type: "real", from: "_offset" },
    { name: "partition", type: "real", from: "_partition" },
    ...strings(
      "holdReason",
      "recipients",
      "senderIp",
      "direction",
      "senderHeader",
      "tlsVersion",
      "tlsCipher",
    ),
    ...strings("spamInfo", "spamProcessingDetail"),
  ],
};

/**
 * SIEM Cloud Integrated batch logs (`GET /siem/v1/batch/events/ci`): entities, mailflow, urlclick.
 * Columns of the 3.1 `Cloud_Integrated_CL` (`type`→`type_`, `_offset`/`_partition` renamed).
 */
export const siemCiFeed: SiemBatchFeedSpec = {
  id: "siem-ci",
  title: "SIEM Cloud Integrated logs (entities, mailflow, urlclick)",
  permission:
    "Security Events and Data Retrieval → Threat and security events (SIEM) → Read (Cloud Integrated product)",
  defaultTable: "Cloud_Integrated_CL",
  source: "siem-batch",
  window: { kind: "siem-day", batchKind: "ci", types: SIEM_CI_TYPES },
  retentionDays: 7,
  timeField: "timestamp",
  eventTime: timeFrom("timestamp"),
  eventId: siemEventId("siem-ci"),
  recordSchema: siemRecordSchema,
  columns: [
    ...strings("accountId", "aggregateId", "attachments", "category", "direction", "messageId"),
    { name: "historicalMail", type: "boolean" },
    { name: "offset", type: "real", from: "_offset" },
    { name: "partition", type: "real", from: "_partition" },
    // Strings, as the 3.x table declares them (its workbook groups by them); arrays are serialised.
    { name: "policiesApplied", type: "string" },
    ...strings(
      "processingId",
      "recipients",
      "senderEnvelope",
      "senderHeader",
      "senderIp",
      "source",
      "subject",
    ),
    ...strings("subtype"),
    { name: "tags", type: "string" },
    ...strings("threatState", "threatType"),
    { name: "timestamp", type: "real" },
    { name: "type_", type: "string", from: "type" },
  ],
};
