import { globalRedactor } from "../shared/logger";
import type { SecretRedactor } from "../shared/logger";
import { buildConfig } from "./buildConfig";
import { crossCheck } from "./crossChecks";
import { ConfigError } from "./errors";
import { SETTING_NAMES, settingSchema } from "./schema";
import type { Config, SettingName, Settings } from "./types";
import { findUnknownSettings } from "./unknownSettings";
import { validateSettings } from "./validate";
import type { RawSettings } from "./validate";
import { ignoredSettingWarnings } from "./warnings";

export interface LoadConfigOptions {
  /** Receives every secret value read from the environment; defaults to the process-wide one. */
  redactor?: SecretRedactor;
}

/**
 * Reads, validates and freezes the configuration, once at start-up. Throws a ConfigError that lists
 * every problem (setting, expected, received; secrets never echoed). Unknown MIMECAST_* variables
 * and settings with no effect become `warnings` on the result, for the caller to log.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  now: number,
  options: LoadConfigOptions = {},
): Config {
  const redactor = options.redactor ?? globalRedactor;
  const raw = readSettings(env);
  const unknown = findUnknownSettings(Object.keys(env));
  // Register before validating, so even a rejected secret (or one under a misspelt name) is redacted.
  for (const name of SETTING_NAMES) if (settingSchema(name)["x-secret"]) redactor.register(raw[name]);
  for (const { name, suggestion } of unknown) {
    if (suggestion && settingSchema(suggestion)["x-secret"]) redactor.register(env[name]?.trim());
  }

  const { settings, issues } = validateSettings(raw);
  settings.MIMECAST_SINK ??= defaultSink(raw);
  issues.push(...crossCheck({ raw, settings, now }));
  if (issues.length > 0) {
    const order = (setting: string): number => SETTING_NAMES.indexOf(setting as SettingName);
    const sorted = [...issues].sort((a, b) => order(a.setting) - order(b.setting));
    throw new ConfigError(
      sorted,
      unknown.map((u) => u.warning),
    );
  }

  const complete = settings as Settings;
  const warnings = [...unknown.map((u) => u.warning), ...ignoredSettingWarnings(raw, complete)];
  return deepFreeze(buildConfig(complete, now, warnings));
}

/** Empty strings count as unset: Azure keeps a setting whose value was cleared. */
function readSettings(env: Record<string, string | undefined>): RawSettings {
  const raw: RawSettings = {};
  for (const name of SETTING_NAMES) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }
  return raw;
}

/** Setting only one of the two ingestion settings is a mistake to report, not a reason to go local. */
function defaultSink(raw: RawSettings): Settings["MIMECAST_SINK"] {
  return raw.MIMECAST_DCE_ENDPOINT !== undefined || raw.MIMECAST_DCR_IMMUTABLE_ID !== undefined
    ? "logs-ingestion"
    : "local";
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
