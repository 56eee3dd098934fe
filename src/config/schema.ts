/**
 * The single source of truth for every setting: validation (ajv), defaults, the error messages'
 * "expected …" text and docs/settings.md (scripts/gen-settings-doc.ts) all read this schema.
 *
 * Naming scheme: every setting is an app setting / environment variable named MIMECAST_<WORDS> in
 * UPPER_SNAKE_CASE, with the unit as the last word where there is one (_SECONDS, _MS). The only
 * exceptions are standard variables read as-is (AZURE_CLIENT_ID, NODE_ENV).
 *
 * Annotation keywords (prefixed "x-", ignored by validation):
 * - x-group: section in the docs.
 * - x-expected: what a valid value looks like, used in error messages and the docs.
 * - x-default: the default, in words, when it depends on other settings or the clock.
 * - x-requiredWhen: the setting must be set when every listed setting has the listed value.
 * - x-secret: never echoed; registered with the log redactor as soon as it is read.
 * - x-keyVaultName: the *_NAME setting that reads this secret from Key Vault instead.
 * - x-apiVersion: only read for this API version (a warning names it when set for the other).
 * - x-requires: settings that must also be set when this one is.
 */
import { FEED_IDS } from "./feedIds";
import type { FormatName } from "./formats";
import type { SettingName } from "./types";
import { API_V1_BASE_URLS, API_V2_BASE_URLS, DEFAULT_API_V2_BASE_URL, KEY_VAULT_HOST_SUFFIXES } from "./urls";
import type { ApiVersion } from "./urls";

export const SETTING_GROUPS = [
  "Mimecast API",
  "Secrets and Key Vault",
  "Microsoft Sentinel",
  "Schedule and feeds",
  "HTTP client",
  "Diagnostics and testing",
] as const;

export type SettingGroup = (typeof SETTING_GROUPS)[number];

export interface SettingSchema {
  type: "string" | "integer" | "boolean";
  description: string;
  default?: string | number | boolean;
  examples?: ReadonlyArray<string | number | boolean>;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: FormatName;
  "x-group": SettingGroup;
  "x-expected": string;
  "x-default"?: string;
  "x-requiredWhen"?: Partial<Record<SettingName, string>>;
  "x-secret"?: true;
  "x-keyVaultName"?: SettingName;
  "x-apiVersion"?: ApiVersion;
  "x-requires"?: readonly SettingName[];
}

export const ANNOTATION_KEYWORDS = [
  "x-group",
  "x-expected",
  "x-default",
  "x-requiredWhen",
  "x-secret",
  "x-keyVaultName",
  "x-apiVersion",
  "x-requires",
] as const;

const aliasList = (aliases: Readonly<Record<string, string>>): string =>
  Object.entries(aliases)
    .map(([alias, url]) => `\`${alias}\` (${new URL(url).host})`)
    .join(", ");

const KEY_VAULT_SECRET_NAME = "^[0-9A-Za-z-]{1,127}$";
const KEY_VAULT_NAME_EXPECTED = "a Key Vault secret name (1-127 letters, digits and -)";
const API_V2 = { MIMECAST_API_VERSION: "2.0" } as const;
const API_V1 = { MIMECAST_API_VERSION: "1.0" } as const;
const LOGS_INGESTION = { MIMECAST_SINK: "logs-ingestion" } as const;

const properties = {
  // ── Mimecast API ──────────────────────────────────────────────────────────────────────────────
  MIMECAST_API_VERSION: {
    type: "string",
    enum: ["2.0", "1.0"],
    default: "2.0",
    description:
      "Mimecast API generation. 2.0 authenticates with OAuth 2.0 client credentials. 1.0 (HMAC-signed requests; end of life announced for March 2025) is only for accounts that cannot move yet and needs the four 1.0 keys.",
    "x-group": "Mimecast API",
    "x-expected": "2.0 or 1.0",
  },
  MIMECAST_BASE_URL: {
    type: "string",
    format: "mimecast-base-url",
    description: `Mimecast API host, as a region alias or an https:// URL. API 2.0 aliases: ${aliasList(API_V2_BASE_URLS)}. API 1.0 aliases: ${aliasList(API_V1_BASE_URLS)}. A custom URL (a proxy or the simulator) must use https://; see MIMECAST_ALLOW_INSECURE_HTTP.`,
    examples: ["uk", "https://us-api.services.mimecast.com"],
    "x-group": "Mimecast API",
    "x-expected": "a region alias for the API version or an https:// URL",
    "x-default": `${DEFAULT_API_V2_BASE_URL} (API 2.0); none for API 1.0`,
    "x-requiredWhen": API_V1,
  },
  MIMECAST_CLIENT_ID: {
    type: "string",
    minLength: 1,
    description:
      "Client id of the Mimecast API 2.0 application (Administration › Services › API and Platform Integrations).",
    "x-group": "Mimecast API",
    "x-expected": "the API 2.0 application's client id",
    "x-requiredWhen": API_V2,
    "x-apiVersion": "2.0",
  },
  MIMECAST_CLIENT_SECRET: {
    type: "string",
    minLength: 1,
    description:
      "Client secret of the Mimecast API 2.0 application. Set it directly, as a Key Vault reference (@Microsoft.KeyVault(...)), or leave it unset and name the secret in MIMECAST_CLIENT_SECRET_NAME to read it from Key Vault at run time.",
    "x-group": "Mimecast API",
    "x-expected": "the API 2.0 application's client secret",
    "x-requiredWhen": API_V2,
    "x-secret": true,
    "x-keyVaultName": "MIMECAST_CLIENT_SECRET_NAME",
    "x-apiVersion": "2.0",
  },
  MIMECAST_APP_ID: {
    type: "string",
    minLength: 1,
    description: "Application id of the Mimecast API 1.0 application (sent as x-mc-app-id).",
    "x-group": "Mimecast API",
    "x-expected": "the API 1.0 application id",
    "x-requiredWhen": API_V1,
    "x-apiVersion": "1.0",
  },
  MIMECAST_APP_KEY: {
    type: "string",
    minLength: 1,
    description: "Application key of the Mimecast API 1.0 application (part of every request signature).",
    "x-group": "Mimecast API",
    "x-expected": "the API 1.0 application key",
    "x-requiredWhen": API_V1,
    "x-secret": true,
    "x-keyVaultName": "MIMECAST_APP_KEY_NAME",
    "x-apiVersion": "1.0",
  },
  MIMECAST_ACCESS_KEY: {
    type: "string",
    minLength: 1,
    description: "Access key of the Mimecast API 1.0 user binding.",
    "x-group": "Mimecast API",
    "x-expected": "the API 1.0 access key",
    "x-requiredWhen": API_V1,
    "x-secret": true,
    "x-keyVaultName": "MIMECAST_ACCESS_KEY_NAME",
    "x-apiVersion": "1.0",
  },
  MIMECAST_SECRET_KEY: {
    type: "string",
    format: "base64",
    description: "Secret key of the Mimecast API 1.0 user binding, base64 as Mimecast issues it.",
    "x-group": "Mimecast API",
    "x-expected": "the API 1.0 secret key in base64",
    "x-requiredWhen": API_V1,
    "x-secret": true,
    "x-keyVaultName": "MIMECAST_SECRET_KEY_NAME",
    "x-apiVersion": "1.0",
  },

  // ── Secrets and Key Vault ─────────────────────────────────────────────────────────────────────
  MIMECAST_KEY_VAULT_URI: {
    type: "string",
    format: "url",
    description:
      "Key Vault to read secrets from at run time with the Function App's managed identity (role: Key Vault Secrets User). Only needed with a *_NAME setting; Key Vault references in app settings need no setting here.",
    examples: ["https://contoso-mimecast.vault.azure.net"],
    "x-group": "Secrets and Key Vault",
    "x-expected": `https://<vault>${KEY_VAULT_HOST_SUFFIXES[0]} (or ${KEY_VAULT_HOST_SUFFIXES.slice(1).join(", ")})`,
  },
  MIMECAST_CLIENT_SECRET_NAME: {
    type: "string",
    pattern: KEY_VAULT_SECRET_NAME,
    description:
      "Name of the Key Vault secret that holds the API 2.0 client secret. When set, the secret is read from MIMECAST_KEY_VAULT_URI, cached for MIMECAST_SECRET_CACHE_TTL_SECONDS and re-read after an authentication failure (rotation); MIMECAST_CLIENT_SECRET must then be unset.",
    examples: ["mimecast-client-secret"],
    "x-group": "Secrets and Key Vault",
    "x-expected": KEY_VAULT_NAME_EXPECTED,
    "x-apiVersion": "2.0",
    "x-requires": ["MIMECAST_KEY_VAULT_URI"],
  },
  MIMECAST_APP_KEY_NAME: {
    type: "string",
    pattern: KEY_VAULT_SECRET_NAME,
    description:
      "Name of the Key Vault secret that holds the API 1.0 application key (instead of MIMECAST_APP_KEY).",
    examples: ["mimecast-app-key"],
    "x-group": "Secrets and Key Vault",
    "x-expected": KEY_VAULT_NAME_EXPECTED,
    "x-apiVersion": "1.0",
    "x-requires": ["MIMECAST_KEY_VAULT_URI"],
  },
  MIMECAST_ACCESS_KEY_NAME: {
    type: "string",
    pattern: KEY_VAULT_SECRET_NAME,
    description:
      "Name of the Key Vault secret that holds the API 1.0 access key (instead of MIMECAST_ACCESS_KEY).",
    examples: ["mimecast-access-key"],
    "x-group": "Secrets and Key Vault",
    "x-expected": KEY_VAULT_NAME_EXPECTED,
    "x-apiVersion": "1.0",
    "x-requires": ["MIMECAST_KEY_VAULT_URI"],
  },
  MIMECAST_SECRET_KEY_NAME: {
    type: "string",
    pattern: KEY_VAULT_SECRET_NAME,
    description:
      "Name of the Key Vault secret that holds the API 1.0 secret key, base64 (instead of MIMECAST_SECRET_KEY).",
    examples: ["mimecast-secret-key"],
    "x-group": "Secrets and Key Vault",
    "x-expected": KEY_VAULT_NAME_EXPECTED,
    "x-apiVersion": "1.0",
    "x-requires": ["MIMECAST_KEY_VAULT_URI"],
  },
  MIMECAST_SECRET_CACHE_TTL_SECONDS: {
    type: "integer",
    minimum: 60,
    maximum: 86400,
    default: 3600,
    description:
      "How long secrets read from Key Vault are reused before the vault is read again. An authentication failure re-reads them at once, so a rotated secret is picked up without waiting.",
    "x-group": "Secrets and Key Vault",
    "x-expected": "an integer from 60 to 86400",
  },
  AZURE_CLIENT_ID: {
    type: "string",
    pattern: "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
    description:
      "Standard Azure variable: client id of a user-assigned managed identity to use for Key Vault and the Logs Ingestion API. Unset: the system-assigned identity.",
    examples: ["11111111-2222-3333-4444-555555555555"],
    "x-group": "Secrets and Key Vault",
    "x-expected": "a GUID (the managed identity's client id)",
  },

  // ── Microsoft Sentinel ────────────────────────────────────────────────────────────────────────
  MIMECAST_SINK: {
    type: "string",
    enum: ["logs-ingestion", "local"],
    description:
      "Where records go: logs-ingestion sends them to Microsoft Sentinel through the Logs Ingestion API; local writes NDJSON files under MIMECAST_LOCAL_SINK_DIR (development and the simulator).",
    "x-group": "Microsoft Sentinel",
    "x-expected": "logs-ingestion or local",
    "x-default":
      "logs-ingestion when MIMECAST_DCE_ENDPOINT or MIMECAST_DCR_IMMUTABLE_ID is set, otherwise local",
  },
  MIMECAST_DCE_ENDPOINT: {
    type: "string",
    format: "url",
    description:
      "Logs ingestion endpoint: the data collection endpoint's URL, or the DCR's own logsIngestion endpoint. The identity needs the Monitoring Metrics Publisher role on the DCR.",
    examples: ["https://mimecast-dce-a1b2.eastus-1.ingest.monitor.azure.com"],
    "x-group": "Microsoft Sentinel",
    "x-expected": "an https:// URL",
    "x-requiredWhen": LOGS_INGESTION,
  },
  MIMECAST_DCR_IMMUTABLE_ID: {
    type: "string",
    pattern: "^dcr-[0-9A-Fa-f]{32}$",
    description: "Immutable id of the data collection rule (its immutableId property, not its resource id).",
    examples: ["dcr-0123456789abcdef0123456789abcdef"],
    "x-group": "Microsoft Sentinel",
    "x-expected": "dcr- followed by 32 hexadecimal digits",
    "x-requiredWhen": LOGS_INGESTION,
  },
  MIMECAST_DCR_ROUTES: {
    type: "string",
    format: "dcr-routes",
    description:
      "Which DCR holds each table's stream, as Table_CL=dcr-… pairs separated by commas (a DCR holds at most 10 streams, so the template spreads the tables over several). Tables not listed use MIMECAST_DCR_IMMUTABLE_ID. The identity needs Monitoring Metrics Publisher on every DCR.",
    examples: [
      "Seg_Cg_CL=dcr-0123456789abcdef0123456789abcdef,Audit_CL=dcr-fedcba9876543210fedcba9876543210",
    ],
    "x-group": "Microsoft Sentinel",
    "x-expected": "Table_CL=dcr-<32 hex digits> pairs separated by commas",
  },
  MIMECAST_TI_WORKSPACE_ID: {
    type: "string",
    pattern: "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
    description:
      "Workspace id (GUID) of the Microsoft Sentinel workspace. When set, threat-intel indicators are also uploaded to Sentinel threat intelligence (STIX upload API); the identity needs Microsoft Sentinel Contributor on the workspace. Unset: indicators go to MimecastThreatIntel_CL only.",
    examples: ["0b9b1e2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"],
    "x-group": "Microsoft Sentinel",
    "x-expected": "a workspace GUID",
  },
  MIMECAST_LOGS_INGESTION_AUDIENCE: {
    type: "string",
    enum: ["https://monitor.azure.com", "https://monitor.azure.us", "https://monitor.azure.cn"],
    default: "https://monitor.azure.com",
    description:
      "Token audience of the Logs Ingestion API: https://monitor.azure.com (public cloud), https://monitor.azure.us (Azure Government), https://monitor.azure.cn (Azure China).",
    "x-group": "Microsoft Sentinel",
    "x-expected": "https://monitor.azure.com, https://monitor.azure.us or https://monitor.azure.cn",
  },
  MIMECAST_INGEST_CONCURRENCY: {
    type: "integer",
    minimum: 1,
    maximum: 16,
    default: 4,
    description: "Upload requests in flight at once per batch of records.",
    "x-group": "Microsoft Sentinel",
    "x-expected": "an integer from 1 to 16",
  },
  MIMECAST_TABLE_NAMES: {
    type: "string",
    format: "table-names",
    description:
      "Per-feed destination table overrides, as feed=Table_CL pairs separated by commas. Feeds not listed use their default table.",
    examples: ["audit=MimecastAudit_CL,dlp=MimecastDLP_CL"],
    "x-group": "Microsoft Sentinel",
    "x-expected":
      "feed=Table_CL pairs separated by commas (table: a letter, then up to 44 letters, digits or _, ending in _CL)",
  },
  MIMECAST_LOCAL_SINK_DIR: {
    type: "string",
    minLength: 1,
    default: ".local/sink",
    description: "Directory the local sink writes to (relative paths are relative to the working directory).",
    "x-group": "Microsoft Sentinel",
    "x-expected": "a directory path",
  },

  // ── Schedule and feeds ────────────────────────────────────────────────────────────────────────
  MIMECAST_SCHEDULE: {
    type: "string",
    format: "cron-schedule",
    default: "0 */5 * * * *",
    description:
      "Timer schedule: a six-field NCRONTAB expression (second minute hour day month day-of-week), evaluated in UTC by default. The seconds field must be a single number, so runs start at most once a minute.",
    examples: ["0 */15 * * * *"],
    "x-group": "Schedule and feeds",
    "x-expected": "a 6-field cron expression that fires at most once a minute, e.g. 0 */5 * * * *",
  },
  MIMECAST_START_DATE: {
    type: "string",
    format: "start-date",
    description:
      "Where a feed without a checkpoint starts: YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time with a time zone. Must not be in the future. Feeds whose API keeps less history start at the oldest point it offers.",
    examples: ["2025-01-31", "2025-01-31T08:00:00Z"],
    "x-group": "Schedule and feeds",
    "x-expected": "YYYY-MM-DD or an ISO 8601 date-time with a time zone, not in the future",
    "x-default": "60 days before start-up",
  },
  MIMECAST_LAG_SECONDS: {
    type: "integer",
    minimum: 0,
    maximum: 86400,
    default: 60,
    description:
      "How far behind the current time each query window ends (time-window feeds: DLP, TTP, audit, message release, archive search). Short keeps data fresh; events that arrive later than this are picked up by the late-event sweep (MIMECAST_LATE_HORIZON_SECONDS). Threat-intel windows end the larger of this and the late horizon behind now (their file chain cannot be swept).",
    "x-group": "Schedule and feeds",
    "x-expected": "an integer from 0 to 86400",
  },
  MIMECAST_LATE_HORIZON_SECONDS: {
    type: "integer",
    minimum: 0,
    maximum: 604800,
    default: 7200,
    description:
      "Late-event sweep for the JSON event feeds: each window read within this long of its end is read once more when it is this old, and only events the first read did not see are sent (the first read's EventIds are kept as a small digest). 0 turns the sweep off, leaving MIMECAST_LAG_SECONDS as the only protection against late events.",
    "x-group": "Schedule and feeds",
    "x-expected": "an integer from 0 to 604800",
  },
  MIMECAST_SIEM_PATH: {
    type: "string",
    format: "siem-paths",
    default: "auto",
    description:
      "Which path delivers each SIEM type (siem-cg's 10, siem-ci's 3): batch (the 15-minute batch files only), stream (the near-real-time event stream for the live edge; batch only for history and for gaps the stream's 24 hours cannot serve) or auto (the stream while it keeps up, batch when it fails, is rate-limited or falls behind for 10 minutes). A default first, then exceptions per feed or type, e.g. auto,siem-cg:journal=batch,siem-ci=stream. The status endpoint (cursors[].owner, ownerReason, ownerSince), the status page, the npm start summary and the health table (SiemPath, SiemPathReason, SiemPathSince) show which path owns each type, why and since when.",
    examples: ["auto", "batch,siem-cg:receipt=stream"],
    "x-group": "Schedule and feeds",
    "x-expected": "batch, stream or auto, then optional feed[:type]=path entries separated by commas",
  },
  MIMECAST_FEEDS: {
    type: "string",
    format: "feed-list",
    default: "all",
    description: `Feeds to ingest: all, or a comma-separated list of feed ids: ${FEED_IDS.join(", ")}. "all" means every feed of the configured API version: siem-cg and siem-ci need API 2.0, siem-v1 (get-siem-logs files into the same Seg_Cg_CL table) needs API 1.0.`,
    examples: ["siem-cg,audit,ttp-url"],
    "x-group": "Schedule and feeds",
    "x-expected": `all, or feed ids separated by commas (valid ids: ${FEED_IDS.join(", ")})`,
  },

  // ── HTTP client ───────────────────────────────────────────────────────────────────────────────
  MIMECAST_HTTP_TIMEOUT_MS: {
    type: "integer",
    minimum: 1000,
    maximum: 600000,
    default: 60000,
    description: "Timeout of one HTTP request to Mimecast or to a batch-file URL, in milliseconds.",
    "x-group": "HTTP client",
    "x-expected": "an integer from 1000 to 600000",
  },
  MIMECAST_MAX_RETRIES: {
    type: "integer",
    minimum: 0,
    maximum: 10,
    default: 5,
    description:
      "Retries of one Mimecast request after a transient failure (5xx, timeout, connection reset).",
    "x-group": "HTTP client",
    "x-expected": "an integer from 0 to 10",
  },
  MIMECAST_RATE_LIMIT_BUDGETS: {
    type: "string",
    format: "rate-limit-budgets",
    description:
      "Client-side request budgets per endpoint family (one per Mimecast API function: siem-batch-cg, siem-batch-ci, dlp, ttp-url, ttp-attachment, ttp-impersonation, audit, message-release, archive-search, awareness-*, siem-v1, threat-intel, oauth-token), as family=<requests>/<window ms> pairs separated by commas; default applies to families not listed. A budget holds for the whole application: windows are aligned to the epoch and every instance counts the others' use of a window (shared through the rate-limit entity). Unset: only Mimecast's own rate-limit headers and 429 responses limit the rate.",
    examples: ["siem-batch-cg=50/900000,default=20/60000"],
    "x-group": "HTTP client",
    "x-expected": "family=<requests>/<window ms> pairs separated by commas",
  },
  MIMECAST_FILE_HOST_ALLOWLIST: {
    type: "string",
    format: "host-allowlist",
    default: ".s3.amazonaws.com,.s3.*.amazonaws.com",
    description:
      'Hosts that SIEM batch-file URLs may point at, separated by commas: exact host names, or suffixes starting with "." that end in a registrable domain (a bare public suffix such as ".co.uk" is refused; a whole label may be "*"). The default allows S3 bucket hosts only. Files on any other host are refused.',
    examples: [".s3.amazonaws.com,.s3.*.amazonaws.com,files.example.net"],
    "x-group": "HTTP client",
    "x-expected": 'host names or ".suffix" entries separated by commas',
  },

  // ── Diagnostics and testing ───────────────────────────────────────────────────────────────────
  MIMECAST_LOG_LEVEL: {
    type: "string",
    enum: ["debug", "info", "warn", "error"],
    default: "info",
    description: "Lowest level the connector logs.",
    "x-group": "Diagnostics and testing",
    "x-expected": "debug, info, warn or error",
  },
  MIMECAST_ALLOW_INSECURE_HTTP: {
    type: "boolean",
    default: false,
    description:
      "Test and simulator switch: accept http:// for MIMECAST_BASE_URL, MIMECAST_DCE_ENDPOINT and MIMECAST_KEY_VAULT_URI. Honoured only for loopback hosts (127.0.0.1, localhost, [::1]) or when NODE_ENV=test; never set it in Azure.",
    "x-group": "Diagnostics and testing",
    "x-expected": "true or false",
  },
  NODE_ENV: {
    type: "string",
    description:
      "Standard Node variable. Only the value test matters here: it lets MIMECAST_ALLOW_INSECURE_HTTP apply to hosts other than loopback.",
    "x-group": "Diagnostics and testing",
    "x-expected": "any value",
  },
} as const satisfies Record<SettingName, SettingSchema>;

export const SETTINGS_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "mimecast-sentinel settings",
  description: "Application settings (environment variables) read once at start-up.",
  type: "object",
  properties,
  additionalProperties: true,
} as const;

export type SettingsSchema = typeof SETTINGS_SCHEMA;

/** Setting names in schema order (the order of the docs and of error messages). */
export const SETTING_NAMES = Object.keys(properties) as SettingName[];

export function settingSchema(name: SettingName): SettingSchema {
  return properties[name];
}
