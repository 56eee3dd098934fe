import { ENDPOINTS } from "../mimecast/endpoints";
import type { ColumnSpec } from "./types";
import { fromToFilter, jsonWindowFeed, recordSchema, strings } from "./define";
import { flattenedColumn } from "./legacyColumns";
import { DAY_MS } from "./time";

/** `tagMap` groups and keys the 3.x `Ttp_Url_CL` table (and its parser) flatten into string columns. */
const TAG_MAP_KEYS = [
  "UrlReputationScan_Type",
  "UrlReputationScan_Url",
  "UrlReputationScan_UrlBlock",
  "UrlReputationScan_Status",
  "DangerousFileExt_Inspect_FileExts",
  "DangerousFileExt_Inspect_MimeTypes",
  "DangerousFileExt_ContentCheck_ContentScannersBlocked",
  "DangerousFileExt_ContentCheck_DangerousMimetypesUrlFileDownload",
  "DangerousFileExt_ContentCheck_DangerousExtsUrlFileDownload",
  "DangerousFileExt_Status",
  "CustomerManagedUrls_ManagedUrlEntry",
  "CustomerManagedUrls_Blocklisted",
  "CustomerManagedUrls_Status",
  "AvScanning_ContentCheck_AvSignatureName",
  "AvScanning_ScannerInfo_CategoryTrigger",
  "AvScanning_ContentCheck_AvSignatureFileExts",
  "AvScanning_ContentCheck_UrlFileDownloadFilename",
  "AdvancedPhishing_CredentialTheftEvidence",
  "AdvancedPhishing_CredentialTheftTags",
] as const;

/**
 * TTP URL click logs (`POST /api/ttp/url/get-logs`, `data[0].clickLogs`). No id field; the fingerprint
 * covers messageId, url, date and user (the whole record). Columns are a superset of the Mimecast 3.x
 * `Ttp_Url_CL`: `date`→`Date`, `category` under both `Category` (the table) and `category` (what its parser
 * reads), the flattened `tagMap_<Group>_<Key>` and `advancedPhishingResult_<Key>` strings beside the whole
 * `tagMap` object (ours); `advancedPhishingResult` itself stays in AdditionalFields.
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
    ...strings("mimecastEventId", "mimecastEventCategory"),
    { name: "Category", type: "string", from: "category" },
    { name: "category", type: "string" },
    { name: "Date", type: "string", from: "date" },
    { name: "actions", type: "dynamic" },
    { name: "emailPartsDescription", type: "dynamic" },
    { name: "tagMap", type: "dynamic" },
    ...TAG_MAP_KEYS.map((key) => flattenedColumn("tagMap", key)),
    // The 3.x table names these two without their group; the API nests them under DangerousFileExt.
    flattenedColumn(
      "tagMap",
      "ContentCheck_DangerousMimetypesUrlFileDownload",
      "DangerousFileExt_ContentCheck_DangerousMimetypesUrlFileDownload",
    ),
    flattenedColumn(
      "tagMap",
      "ContentCheck_DangerousExtsUrlFileDownload",
      "DangerousFileExt_ContentCheck_DangerousExtsUrlFileDownload",
    ),
    ...["CredentialTheftBrands", "CredentialTheftEvidence", "CredentialTheftTags"].map((key): ColumnSpec => ({
      name: `advancedPhishingResult_${key}`,
      type: "string",
      from: `advancedPhishingResult.${key}`,
    })),
  ],
  recordSchema: recordSchema("date", { url: { type: "string" } }),
});
