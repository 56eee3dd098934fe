/**
 * Mimecast endpoints the connector calls, with the facts the client needs about each: the rate-limit
 * family (Mimecast counts quotas per API function per application), where records live in the
 * response, and the largest page size the API accepts.
 * Sources: research notes A.3/A.4 (Mimecast v1 endpoint pages; peers' v2 usage).
 */
export interface JsonEndpoint {
  path: string;
  /** Rate-limit family: one quota per API function, so one family per path. */
  family: string;
  /** Where records live in a successful response: `data` or `data[0].<field>`. */
  recordsPath: RecordsPath;
  maxPageSize: number;
}

export type RecordsPath = { in: "data" } | { in: "data[0]"; field: string };

const json = (path: string, family: string, recordsPath: RecordsPath, maxPageSize = 500): JsonEndpoint => ({
  path,
  family,
  recordsPath,
  maxPageSize,
});

export const ENDPOINTS = {
  dlpLogs: json("/api/dlp/get-logs", "dlp", { in: "data[0]", field: "dlpLogs" }),
  ttpUrlLogs: json("/api/ttp/url/get-logs", "ttp-url", { in: "data[0]", field: "clickLogs" }),
  ttpAttachmentLogs: json("/api/ttp/attachment/get-logs", "ttp-attachment", {
    in: "data[0]",
    field: "attachmentLogs",
  }),
  ttpImpersonationLogs: json("/api/ttp/impersonation/get-logs", "ttp-impersonation", {
    in: "data[0]",
    field: "impersonationLogs",
  }),
  auditEvents: json("/api/audit/get-audit-events", "audit", { in: "data" }),
  heldReleaseLogs: json("/api/gateway/get-held-release-logs", "message-release", {
    in: "data[0]",
    field: "heldReleaseLogs",
  }),
  archiveSearchLogs: json("/api/archive/get-archive-search-logs", "archive-search", {
    in: "data[0]",
    field: "logs",
  }),
  rejections: json("/api/gateway/get-rejections", "rejections", { in: "data[0]", field: "rejections" }),
  archiveViewLogs: json("/api/archive/get-view-logs", "archive-view-logs", { in: "data" }),
  remediationIncidents: json(
    "/api/ttp/remediation/find-incidents",
    "remediation-incidents",
    { in: "data[0]", field: "incidents" },
    100,
  ),
  remediationIncident: json("/api/ttp/remediation/get-incident", "remediation-incident", { in: "data" }, 25),
  /** GET with query parameters (paged by src/mimecast/threatEvents.ts); `recordsPath` is its `data` shape. */
  threatEvents: json("/threats/v1/events", "threat-events", { in: "data" }, 100),
  awarenessPerformance: json(
    "/api/awareness-training/company/get-performance-details",
    "awareness-performance",
    {
      in: "data",
    },
  ),
  awarenessSafeScore: json("/api/awareness-training/company/get-safe-score-details", "awareness-safe-score", {
    in: "data",
  }),
  awarenessWatchlist: json("/api/awareness-training/company/get-watchlist-details", "awareness-watchlist", {
    in: "data",
  }),
  awarenessCampaigns: json("/api/awareness-training/phishing/campaign/get-campaign", "awareness-campaign", {
    in: "data",
  }),
  awarenessCampaignUsers: json(
    "/api/awareness-training/phishing/campaign/get-user-data",
    "awareness-user-data",
    {
      in: "data[0]",
      field: "items",
    },
  ),
} as const satisfies Record<string, JsonEndpoint>;

export type SiemBatchKind = "cg" | "ci";

export const SIEM_BATCH_PATH: Record<SiemBatchKind, string> = {
  cg: "/siem/v1/batch/events/cg",
  ci: "/siem/v1/batch/events/ci",
};
export const SIEM_BATCH_FAMILY: Record<SiemBatchKind, string> = { cg: "siem-batch-cg", ci: "siem-batch-ci" };
/** Peers (Sekoia schema, Rapid7) cap the batch listing page size at 100. */
export const SIEM_BATCH_MAX_PAGE_SIZE = 100;

export const SIEM_CG_TYPES = [
  "receipt",
  "process",
  "delivery",
  "av",
  "spam",
  "internal email protect",
  "impersonation protect",
  "url protect",
  "attachment protect",
  "journal",
] as const;
export const SIEM_CI_TYPES = ["entities", "mailflow", "urlclick"] as const;

export const SIEM_V1_PATH = "/api/audit/get-siem-logs";
export const SIEM_V1_FAMILY = "siem-v1";
export const THREAT_INTEL_PATH = "/api/ttp/threat-intel/get-feed";
export const THREAT_INTEL_FAMILY = "threat-intel";
/** The threat-intel endpoint reports an empty window as a `fail` entry with this code. */
export const THREAT_INTEL_NO_RESULT_CODE = "err_threat_intel_feed_no_result_found";
/** Threat (detection) events: an API 2.0 REST endpoint (GET, query parameters), plus one event's details. */
export const THREAT_EVENTS_PATH = "/threats/v1/events";
export const THREAT_EVENTS_FAMILY = "threat-events";
export const threatEventDetailsPath = (id: string): string =>
  `${THREAT_EVENTS_PATH}/${encodeURIComponent(id)}/details`;
export const THREAT_EVENT_DETAILS_FAMILY = "threat-event-details";
export const THREAT_EVENTS_MAX_PAGE_SIZE = 100;
export const TOKEN_PATH = "/oauth/token";
export const TOKEN_FAMILY = "oauth-token";

/** Every rate-limit family the client uses (client-side budgets are keyed by these, or `default`). */
export const RATE_LIMIT_FAMILIES: readonly string[] = [
  ...Object.values(ENDPOINTS).map((e) => e.family),
  ...Object.values(SIEM_BATCH_FAMILY),
  SIEM_V1_FAMILY,
  THREAT_INTEL_FAMILY,
  THREAT_EVENT_DETAILS_FAMILY,
  TOKEN_FAMILY,
];
