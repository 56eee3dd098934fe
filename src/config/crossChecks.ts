/**
 * Rules that involve more than one setting (or the clock), run after the schema has checked each
 * setting on its own. Settings the schema rejected are absent here, so nothing is reported twice.
 */
import type { ConfigIssue } from "./errors";
import { describeReceived, issue, NOT_SET } from "./issues";
import type { RawSettings } from "./validate";
import { SETTING_NAMES, settingSchema } from "./schema";
import { FEED_API_VERSION } from "./feedIds";
import { parseFeedList } from "./feedLists";
import { parseStartDate } from "./startDate";
import type { SettingName, Settings } from "./types";
import { baseUrlAliases, insecureHttpAllowed, isBaseUrlAlias, isKeyVaultHost } from "./urls";

export interface CheckInput {
  raw: RawSettings;
  settings: Partial<Settings>;
  now: number;
}

export function crossCheck(input: CheckInput): ConfigIssue[] {
  return [
    ...requirementIssues(input),
    ...urlIssues(input),
    ...startDateIssues(input),
    ...feedVersionIssues(input),
  ];
}

/** A feed listed by name must exist under the configured API version. */
function feedVersionIssues({ settings }: CheckInput): ConfigIssue[] {
  const text = settings.MIMECAST_FEEDS;
  const version = settings.MIMECAST_API_VERSION;
  if (text === undefined || version === undefined || text.trim().toLowerCase() === "all") return [];
  const parsed = parseFeedList(text);
  if (!parsed.ok) return [];
  const wrong = parsed.value.filter((id) => (FEED_API_VERSION[id] ?? version) !== version);
  if (wrong.length === 0) return [];
  return [
    issue(
      "MIMECAST_FEEDS",
      `"${text}"`,
      `feeds available with MIMECAST_API_VERSION ${version}; ${wrong.join(", ")} need API ${wrong.map((id) => FEED_API_VERSION[id]).join("/")}`,
    ),
  ];
}

/** Whether a version-specific setting is read under the configured API version. */
export function appliesToVersion(name: SettingName, settings: Partial<Settings>): boolean {
  const version = settingSchema(name)["x-apiVersion"];
  return version === undefined || version === settings.MIMECAST_API_VERSION;
}

function requirementIssues({ raw, settings }: CheckInput): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const requiredBy = new Map<SettingName, SettingName[]>();
  for (const name of SETTING_NAMES) {
    const schema = settingSchema(name);
    const when = schema["x-requiredWhen"];
    const vaultName = schema["x-keyVaultName"];
    const fromVault = vaultName !== undefined && raw[vaultName] !== undefined;
    if (when && conditionHolds(when, settings) && raw[name] === undefined && !fromVault) {
      issues.push(issue(name, NOT_SET, requiredText(name, when, raw)));
    }
    if (!appliesToVersion(name, settings) || raw[name] === undefined) continue;
    if (fromVault) {
      const expected = `no value while ${vaultName} reads it from Key Vault (set one or the other)`;
      issues.push(issue(name, describeReceived(name, raw[name]), expected));
    }
    for (const needed of schema["x-requires"] ?? []) {
      if (raw[needed] === undefined) requiredBy.set(needed, [...(requiredBy.get(needed) ?? []), name]);
    }
  }
  for (const [needed, by] of requiredBy) {
    const because = `${by.join(" and ")} ${by.length > 1 ? "are" : "is"} set`;
    issues.push(issue(needed, NOT_SET, `${settingSchema(needed)["x-expected"]}, because ${because}`));
  }
  return issues;
}

function conditionHolds(when: Partial<Record<SettingName, string>>, settings: Partial<Settings>): boolean {
  return Object.entries(when).every(([name, value]) => {
    const actual = settings[name as SettingName];
    return actual !== undefined && String(actual) === value;
  });
}

function requiredText(
  name: SettingName,
  when: Partial<Record<SettingName, string>>,
  raw: RawSettings,
): string {
  const conditions = Object.entries(when).map(([other, value]) => {
    if (raw[other as SettingName] !== undefined) return `${other} is ${value}`;
    const defaultText = settingSchema(other as SettingName)["x-default"];
    return `${other} is ${value} (${defaultText ? `its default: ${defaultText}` : "the default"})`;
  });
  const vaultName = settingSchema(name)["x-keyVaultName"];
  const alternative = vaultName ? ` (or set ${vaultName} to read it from Key Vault)` : "";
  return `${settingSchema(name)["x-expected"]}, required when ${conditions.join(" and ")}${alternative}`;
}

const URL_SETTINGS = ["MIMECAST_BASE_URL", "MIMECAST_DCE_ENDPOINT", "MIMECAST_KEY_VAULT_URI"] as const;
const HTTPS_EXPECTED =
  "an https:// URL (http:// only with MIMECAST_ALLOW_INSECURE_HTTP=true, for a loopback host or when NODE_ENV=test)";

function urlIssues({ raw, settings }: CheckInput): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const policy = {
    allowInsecureHttp: settings.MIMECAST_ALLOW_INSECURE_HTTP === true,
    nodeEnv: settings.NODE_ENV,
  };
  const version = settings.MIMECAST_API_VERSION;
  for (const name of URL_SETTINGS) {
    const value = settings[name];
    if (value === undefined) continue;
    if (name === "MIMECAST_BASE_URL" && isBaseUrlAlias(value)) {
      const aliases = version ? baseUrlAliases(version) : {};
      if (version && !(value in aliases)) {
        const expected = `an API ${version} region alias (${Object.keys(aliases).join(", ")}) or an https:// URL`;
        issues.push(issue(name, describeReceived(name, raw[name]), expected));
      }
      continue;
    }
    const url = new URL(value);
    const testHost = insecureHttpAllowed(policy, url.hostname);
    if (url.protocol === "http:" && !testHost) {
      issues.push(issue(name, describeReceived(name, raw[name]), HTTPS_EXPECTED));
    } else if (
      name === "MIMECAST_KEY_VAULT_URI" &&
      !testHost &&
      (!isKeyVaultHost(url.hostname) || url.pathname !== "/")
    ) {
      issues.push(issue(name, describeReceived(name, raw[name])));
    }
  }
  return issues;
}

function startDateIssues({ raw, settings, now }: CheckInput): ConfigIssue[] {
  const text = settings.MIMECAST_START_DATE;
  const start = text === undefined ? undefined : parseStartDate(text);
  if (!start?.ok || start.value <= now) return [];
  const problem = `it is after the current time, ${new Date(now).toISOString()}`;
  return [
    issue("MIMECAST_START_DATE", describeReceived("MIMECAST_START_DATE", raw.MIMECAST_START_DATE, problem)),
  ];
}
