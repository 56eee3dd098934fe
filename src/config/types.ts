import type { DcrRoutes } from "./dcrRoutes";
import type { LogLevel } from "../shared/logger";
import type { FeedId } from "./feedIds";
import type { TableNameOverrides } from "./feedLists";
import type { RateLimitBudget } from "./rateLimitBudgets";
import type { SecretValue } from "./secretValue";
import type { SiemPaths } from "./siemPaths";
import type { ApiVersion } from "./urls";

export type MonitorAudience =
  "https://monitor.azure.com" | "https://monitor.azure.us" | "https://monitor.azure.cn";
export type SinkKind = "logs-ingestion" | "local";

/**
 * The environment as the schema sees it after validation, defaults and type coercion: one field per
 * setting. The schema's `properties` must have exactly these keys (checked by the compiler and a test).
 */
export interface Settings {
  MIMECAST_API_VERSION: ApiVersion;
  MIMECAST_BASE_URL?: string;
  MIMECAST_CLIENT_ID?: string;
  MIMECAST_CLIENT_SECRET?: string;
  MIMECAST_APP_ID?: string;
  MIMECAST_APP_KEY?: string;
  MIMECAST_ACCESS_KEY?: string;
  MIMECAST_SECRET_KEY?: string;
  MIMECAST_KEY_VAULT_URI?: string;
  MIMECAST_CLIENT_SECRET_NAME?: string;
  MIMECAST_APP_KEY_NAME?: string;
  MIMECAST_ACCESS_KEY_NAME?: string;
  MIMECAST_SECRET_KEY_NAME?: string;
  MIMECAST_SECRET_CACHE_TTL_SECONDS: number;
  AZURE_CLIENT_ID?: string;
  MIMECAST_SINK?: SinkKind;
  MIMECAST_DCE_ENDPOINT?: string;
  MIMECAST_DCR_IMMUTABLE_ID?: string;
  MIMECAST_DCR_ROUTES?: string;
  MIMECAST_LOGS_INGESTION_AUDIENCE: MonitorAudience;
  MIMECAST_TI_WORKSPACE_ID?: string;
  MIMECAST_INGEST_CONCURRENCY: number;
  MIMECAST_LOCAL_SINK_DIR: string;
  MIMECAST_TABLE_NAMES?: string;
  MIMECAST_SCHEDULE: string;
  MIMECAST_START_DATE?: string;
  MIMECAST_LAG_SECONDS: number;
  MIMECAST_LATE_HORIZON_SECONDS: number;
  MIMECAST_SIEM_PATH: string;
  MIMECAST_FEEDS: string;
  MIMECAST_HTTP_TIMEOUT_MS: number;
  MIMECAST_MAX_RETRIES: number;
  MIMECAST_RATE_LIMIT_BUDGETS?: string;
  MIMECAST_FILE_HOST_ALLOWLIST: string;
  MIMECAST_ALLOW_INSECURE_HTTP: boolean;
  MIMECAST_LOG_LEVEL: LogLevel;
  NODE_ENV?: string;
}

export type SettingName = keyof Settings;

/** Where one secret comes from. Values from app settings are wrapped so they never print. */
export type SecretSource =
  | { from: "app-setting"; setting: SettingName; value: SecretValue }
  | { from: "key-vault"; setting: SettingName; secretName: string };

export interface OAuthCredentialSources {
  kind: "oauth2";
  clientId: string;
  clientSecret: SecretSource;
}

export interface HmacCredentialSources {
  kind: "hmac";
  appId: string;
  appKey: SecretSource;
  accessKey: SecretSource;
  secretKey: SecretSource;
}

export type CredentialSources = OAuthCredentialSources | HmacCredentialSources;

export interface MimecastConfig {
  apiVersion: ApiVersion;
  /** No trailing slash. */
  baseUrl: string;
  credentials: CredentialSources;
  httpTimeoutMs: number;
  maxRetries: number;
  /** Client-side request budgets per endpoint family ("default" for the rest); empty when unset. */
  rateLimitBudgets: Readonly<Record<string, RateLimitBudget>>;
  /** Exact hosts and ".suffix" entries that batch-file URLs may point at. */
  fileHostAllowlist: readonly string[];
}

export interface KeyVaultConfig {
  /** No trailing slash. */
  uri: string;
  secretCacheTtlMs: number;
}

export interface LogsIngestionSinkConfig {
  kind: "logs-ingestion";
  dceEndpoint: string;
  /** The default DCR (the connector's own tables, and any table not routed). */
  dcrImmutableId: string;
  /** Table → DCR immutable id, for tables whose stream another DCR declares (MIMECAST_DCR_ROUTES). */
  dcrRoutes: DcrRoutes;
  audience: MonitorAudience;
  concurrency: number;
  tableNames: TableNameOverrides;
}

export interface LocalSinkConfig {
  kind: "local";
  directory: string;
  tableNames: TableNameOverrides;
}

export type SinkConfig = LogsIngestionSinkConfig | LocalSinkConfig;

export interface IngestionConfig {
  /** Six-field NCRONTAB expression for the timer trigger. */
  schedule: string;
  /** Where a feed without a checkpoint starts (epoch ms). */
  startTimeMs: number;
  /** How far behind "now" windows end, so late-indexed events are not skipped. */
  lagMs: number;
  /** Recent windows are re-read this long after their end for late events (0: never). */
  lateHorizonMs: number;
  /** Batch, stream or auto per SIEM type (MIMECAST_SIEM_PATH). */
  siemPaths: SiemPaths;
  feeds: readonly FeedId[];
}

/** The validated, frozen configuration. Safe to log: secrets print as "[REDACTED]". */
export interface Config {
  readonly mimecast: Readonly<MimecastConfig>;
  /** Present when MIMECAST_KEY_VAULT_URI is set. */
  readonly keyVault: Readonly<KeyVaultConfig> | undefined;
  /** Client id of a user-assigned managed identity; undefined means the system-assigned one. */
  readonly managedIdentityClientId: string | undefined;
  readonly sink: Readonly<SinkConfig>;
  /** Set when threat-intel indicators also go to Microsoft Sentinel threat intelligence. */
  readonly threatIntelUpload: Readonly<{ workspaceId: string }> | undefined;
  readonly ingestion: Readonly<IngestionConfig>;
  readonly logLevel: LogLevel;
  /** True when plain-http URLs were accepted (simulator and tests only). */
  readonly allowInsecureHttp: boolean;
  /** Non-fatal findings to log at start-up: unknown or ignored settings, a local sink, … */
  readonly warnings: readonly string[];
}
