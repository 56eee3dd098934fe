import Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import type { ConfigIssue } from "./errors";
import { FORMAT_PROBLEMS } from "./formats";
import type { FormatName } from "./formats";
import { describeReceived, issue } from "./issues";
import { ANNOTATION_KEYWORDS, SETTING_NAMES, SETTINGS_SCHEMA, settingSchema } from "./schema";
import type { SettingName, Settings } from "./types";

/** Trimmed, non-empty values of the settings the schema knows, as read from the environment. */
export type RawSettings = Partial<Record<SettingName, string>>;

export interface SchemaResult {
  /** Valid settings with defaults applied and types coerced; invalid ones are left out. */
  settings: Partial<Settings>;
  issues: ConfigIssue[];
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true });
    ajv.addVocabulary([...ANNOTATION_KEYWORDS]);
    for (const [name, problem] of Object.entries(FORMAT_PROBLEMS)) {
      ajv.addFormat(name, { type: "string", validate: (value: string) => problem(value) === undefined });
    }
    compiled = ajv.compile(SETTINGS_SCHEMA);
  }
  return compiled;
}

/** Checks every setting on its own against the schema: one issue per invalid setting. */
export function validateSettings(raw: RawSettings): SchemaResult {
  const data: Record<string, unknown> = { ...raw };
  const validate = validator();
  validate(data);
  const invalid = new Set<SettingName>();
  for (const error of validate.errors ?? []) {
    const name = error.instancePath.slice(1);
    if (isSettingName(name)) invalid.add(name);
  }
  const issues: ConfigIssue[] = [];
  for (const name of invalid) {
    delete data[name];
    issues.push(issue(name, describeReceived(name, raw[name], formatProblem(name, raw[name]))));
  }
  const settings: Partial<Settings> = data;
  return { settings, issues };
}

function formatProblem(name: SettingName, value: string | undefined): string | undefined {
  const format: FormatName | undefined = settingSchema(name).format;
  return format && value !== undefined ? FORMAT_PROBLEMS[format](value) : undefined;
}

function isSettingName(name: string): name is SettingName {
  return (SETTING_NAMES as string[]).includes(name);
}
