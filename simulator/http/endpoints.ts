/**
 * Every endpoint the simulator serves and the family it belongs to. A family is the unit of rate limiting
 * (per application) and of permissions; Mimecast applies quotas "per API function, per registered App", so
 * each path is its own family. Names match `src/mimecast/endpoints.ts`.
 */
export const ENDPOINT_FAMILIES = [
  "oauth-token",
  "siem-batch-cg",
  "siem-batch-ci",
  "siem-stream-cg",
  "siem-stream-ci",
  "siem-v1",
  "dlp",
  "ttp-url",
  "ttp-attachment",
  "ttp-impersonation",
  "audit",
  "message-release",
  "archive-search",
  "awareness-performance",
  "awareness-safe-score",
  "awareness-watchlist",
  "awareness-campaign",
  "awareness-user-data",
  "threat-intel",
  "rejections",
  "archive-view-logs",
  "remediation-incidents",
  "remediation-incident",
  "threat-events",
  "threat-event-details",
] as const;

export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

/** Families of requests that are not Mimecast API endpoints: the presigned file host and the simulator's own. */
export type RequestFamily = EndpointFamily | "siem-file" | "sim-admin" | "unknown";

/** `bearer`: API 2.0 only. `bearer-or-hmac`: `/api/*` endpoints accept an OAuth token or an API 1.0 signature. */
export type AuthMode = "none" | "bearer" | "bearer-or-hmac";

export interface EndpointSpec {
  method: "GET" | "POST";
  path: string;
  family: EndpointFamily;
  auth: AuthMode;
  /**
   * Response style: `json` envelope (`meta`/`data`/`fail`), `siem-rest` (`value`/`@nextPage`), `file` (a
   * downloaded file, or a JSON envelope on failure), `oauth` (token response).
   */
  envelope: "json" | "siem-rest" | "file" | "oauth";
}

const api = (
  path: string,
  family: EndpointFamily,
  envelope: EndpointSpec["envelope"] = "json",
): EndpointSpec => ({
  method: "POST",
  path,
  family,
  auth: "bearer-or-hmac",
  envelope,
});

/** Paths with a parameter, as `{name}` in `path`; matched segment by segment. */
export const THREAT_EVENT_DETAILS_TEMPLATE = "/threats/v1/events/{id}/details";

export const ENDPOINTS: readonly EndpointSpec[] = [
  { method: "POST", path: "/oauth/token", family: "oauth-token", auth: "none", envelope: "oauth" },
  {
    method: "GET",
    path: "/siem/v1/batch/events/cg",
    family: "siem-batch-cg",
    auth: "bearer",
    envelope: "siem-rest",
  },
  {
    method: "GET",
    path: "/siem/v1/batch/events/ci",
    family: "siem-batch-ci",
    auth: "bearer",
    envelope: "siem-rest",
  },
  {
    method: "GET",
    path: "/siem/v1/events/cg",
    family: "siem-stream-cg",
    auth: "bearer",
    envelope: "siem-rest",
  },
  {
    method: "GET",
    path: "/siem/v1/events/ci",
    family: "siem-stream-ci",
    auth: "bearer",
    envelope: "siem-rest",
  },
  api("/api/audit/get-siem-logs", "siem-v1", "file"),
  api("/api/dlp/get-logs", "dlp"),
  api("/api/ttp/url/get-logs", "ttp-url"),
  api("/api/ttp/attachment/get-logs", "ttp-attachment"),
  api("/api/ttp/impersonation/get-logs", "ttp-impersonation"),
  api("/api/audit/get-audit-events", "audit"),
  api("/api/gateway/get-held-release-logs", "message-release"),
  api("/api/archive/get-archive-search-logs", "archive-search"),
  api("/api/awareness-training/company/get-performance-details", "awareness-performance"),
  api("/api/awareness-training/company/get-safe-score-details", "awareness-safe-score"),
  api("/api/awareness-training/company/get-watchlist-details", "awareness-watchlist"),
  api("/api/awareness-training/phishing/campaign/get-campaign", "awareness-campaign"),
  api("/api/awareness-training/phishing/campaign/get-user-data", "awareness-user-data"),
  api("/api/ttp/threat-intel/get-feed", "threat-intel", "file"),
  api("/api/gateway/get-rejections", "rejections"),
  api("/api/archive/get-view-logs", "archive-view-logs"),
  api("/api/ttp/remediation/find-incidents", "remediation-incidents"),
  api("/api/ttp/remediation/get-incident", "remediation-incident"),
  {
    method: "GET",
    path: "/threats/v1/events",
    family: "threat-events",
    auth: "bearer",
    envelope: "siem-rest",
  },
  {
    method: "GET",
    path: THREAT_EVENT_DETAILS_TEMPLATE,
    family: "threat-event-details",
    auth: "bearer",
    envelope: "siem-rest",
  },
];

/** Families of the SIEM event stream, which has its own (lower) quota: `SimulatorOptions.siemStream.rateLimit`. */
export const STREAM_FAMILIES: ReadonlySet<string> = new Set(["siem-stream-cg", "siem-stream-ci"]);

export function findEndpoint(path: string): EndpointSpec | undefined {
  return (
    ENDPOINTS.find((endpoint) => endpoint.path === path) ??
    ENDPOINTS.find((endpoint) => endpoint.path.includes("{") && matchesTemplate(endpoint.path, path))
  );
}

function matchesTemplate(template: string, path: string): boolean {
  const want = template.split("/");
  const got = path.split("/");
  return (
    want.length === got.length &&
    want.every((part, i) => (part.startsWith("{") ? /^[A-Za-z0-9_-]+$/.test(got[i] ?? "") : part === got[i]))
  );
}
