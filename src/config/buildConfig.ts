import { FEED_IDS, feedsForVersion } from "./feedIds";
import { parseDcrRoutes } from "./dcrRoutes";
import { parseFeedList, parseTableNames } from "./feedLists";
import { parseHostAllowlist } from "./fileHosts";
import type { ParseResult } from "./parse";
import { parseRateLimitBudgets } from "./rateLimitBudgets";
import { SecretValue } from "./secretValue";
import { parseSiemPaths } from "./siemPaths";
import { parseStartDate } from "./startDate";
import type { Config, CredentialSources, SecretSource, SettingName, Settings, SinkConfig } from "./types";
import { baseUrlAliases, DEFAULT_API_V2_BASE_URL, normalizeUrl } from "./urls";

const DAY_MS = 86_400_000;
export const DEFAULT_START_DAYS = 60;

/** Turns settings that passed every check into the typed configuration the app uses. */
export function buildConfig(settings: Settings, now: number, warnings: readonly string[]): Config {
  const tableNames = settings.MIMECAST_TABLE_NAMES
    ? valueOf(parseTableNames(settings.MIMECAST_TABLE_NAMES))
    : {};
  return {
    mimecast: {
      apiVersion: settings.MIMECAST_API_VERSION,
      baseUrl: baseUrl(settings),
      credentials: credentialSources(settings),
      httpTimeoutMs: settings.MIMECAST_HTTP_TIMEOUT_MS,
      maxRetries: settings.MIMECAST_MAX_RETRIES,
      rateLimitBudgets: settings.MIMECAST_RATE_LIMIT_BUDGETS
        ? valueOf(parseRateLimitBudgets(settings.MIMECAST_RATE_LIMIT_BUDGETS))
        : {},
      fileHostAllowlist: valueOf(parseHostAllowlist(settings.MIMECAST_FILE_HOST_ALLOWLIST)),
    },
    keyVault: settings.MIMECAST_KEY_VAULT_URI
      ? {
          uri: normalizeUrl(settings.MIMECAST_KEY_VAULT_URI),
          secretCacheTtlMs: settings.MIMECAST_SECRET_CACHE_TTL_SECONDS * 1000,
        }
      : undefined,
    managedIdentityClientId: settings.AZURE_CLIENT_ID,
    sink: sinkConfig(settings, tableNames),
    threatIntelUpload: settings.MIMECAST_TI_WORKSPACE_ID
      ? { workspaceId: settings.MIMECAST_TI_WORKSPACE_ID }
      : undefined,
    ingestion: {
      schedule: settings.MIMECAST_SCHEDULE.trim().split(/\s+/).join(" "),
      startTimeMs: settings.MIMECAST_START_DATE
        ? valueOf(parseStartDate(settings.MIMECAST_START_DATE))
        : now - DEFAULT_START_DAYS * DAY_MS,
      lagMs: settings.MIMECAST_LAG_SECONDS * 1000,
      lateHorizonMs: settings.MIMECAST_LATE_HORIZON_SECONDS * 1000,
      siemPaths: valueOf(parseSiemPaths(settings.MIMECAST_SIEM_PATH)),
      feeds:
        settings.MIMECAST_FEEDS.trim().toLowerCase() === "all"
          ? feedsForVersion(FEED_IDS, settings.MIMECAST_API_VERSION)
          : valueOf(parseFeedList(settings.MIMECAST_FEEDS)),
    },
    logLevel: settings.MIMECAST_LOG_LEVEL,
    allowInsecureHttp: settings.MIMECAST_ALLOW_INSECURE_HTTP,
    warnings,
  };
}

function baseUrl(settings: Settings): string {
  const value = settings.MIMECAST_BASE_URL ?? DEFAULT_API_V2_BASE_URL;
  return baseUrlAliases(settings.MIMECAST_API_VERSION)[value] ?? normalizeUrl(value);
}

function credentialSources(settings: Settings): CredentialSources {
  if (settings.MIMECAST_API_VERSION === "2.0") {
    return {
      kind: "oauth2",
      clientId: required(settings, "MIMECAST_CLIENT_ID"),
      clientSecret: secretSource(settings, "MIMECAST_CLIENT_SECRET", "MIMECAST_CLIENT_SECRET_NAME"),
    };
  }
  return {
    kind: "hmac",
    appId: required(settings, "MIMECAST_APP_ID"),
    appKey: secretSource(settings, "MIMECAST_APP_KEY", "MIMECAST_APP_KEY_NAME"),
    accessKey: secretSource(settings, "MIMECAST_ACCESS_KEY", "MIMECAST_ACCESS_KEY_NAME"),
    secretKey: secretSource(settings, "MIMECAST_SECRET_KEY", "MIMECAST_SECRET_KEY_NAME"),
  };
}

type StringSetting = {
  [K in SettingName]-?: NonNullable<Settings[K]> extends string ? K : never;
}[SettingName];

function secretSource(settings: Settings, setting: StringSetting, nameSetting: StringSetting): SecretSource {
  const secretName = settings[nameSetting];
  if (secretName) return { from: "key-vault", setting: nameSetting, secretName };
  return { from: "app-setting", setting, value: new SecretValue(required(settings, setting)) };
}

function sinkConfig(settings: Settings, tableNames: SinkConfig["tableNames"]): SinkConfig {
  if (settings.MIMECAST_SINK === "local") {
    return { kind: "local", directory: settings.MIMECAST_LOCAL_SINK_DIR, tableNames };
  }
  return {
    kind: "logs-ingestion",
    dceEndpoint: normalizeUrl(required(settings, "MIMECAST_DCE_ENDPOINT")),
    dcrImmutableId: required(settings, "MIMECAST_DCR_IMMUTABLE_ID"),
    dcrRoutes: settings.MIMECAST_DCR_ROUTES ? valueOf(parseDcrRoutes(settings.MIMECAST_DCR_ROUTES)) : {},
    audience: settings.MIMECAST_LOGS_INGESTION_AUDIENCE,
    concurrency: settings.MIMECAST_INGEST_CONCURRENCY,
    tableNames,
  };
}

/** The checks before this guarantee presence; a throw here is a bug in those checks. */
function required(settings: Settings, name: StringSetting): string {
  const value = settings[name];
  if (value === undefined) throw new Error(`internal: ${name} passed validation but is missing`);
  return value;
}

function valueOf<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`internal: a validated setting failed to parse: ${result.problem}`);
  return result.value;
}
