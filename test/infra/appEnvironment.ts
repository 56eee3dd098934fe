/**
 * What the Function App actually starts with: the template's app settings evaluated for concrete parameter
 * values (test/infra/arm.ts `evaluate`). Values only Azure knows (a DCR's immutable id, the workspace GUID, …)
 * stand in as the setting's documented example, unless the caller answers the reference() itself.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { SETTING_NAMES } from "../../src/config";
import { settingSchema } from "../../src/config/schema";
import type { SettingName } from "../../src/config/types";
import { evaluate, isOpaque } from "./arm";
import type { ArmTemplate, ArmValue, EvaluateOptions } from "./arm";

/** dist/test/infra → repository root. */
export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const readRepoFile = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");
export const template = JSON.parse(readRepoFile("infra/azuredeploy.json")) as ArmTemplate;

export const PUBLIC_CLOUD = { portal: "https://portal.azure.com" };
const KNOWN = new Set<string>(SETTING_NAMES);

export type Parameters = Record<string, ArmValue>;

const site = template.resources.find((r) => r.type === "Microsoft.Web/sites")!;
export const settingEntries = (
  site.properties as { siteConfig: { appSettings: { name: string; value: string }[] } }
).siteConfig.appSettings;

/** Every app setting's value for these parameters; Opaque where only Azure knows the value. */
export function evaluatedSettings(
  parameters: Parameters,
  environment = PUBLIC_CLOUD,
  reference?: EvaluateOptions["reference"],
): Map<string, ArmValue> {
  return new Map(
    settingEntries.map(({ name, value }) => [
      name,
      evaluate(value, template, parameters, { environment, reference }),
    ]),
  );
}

/** The environment the app would see: Opaque connector settings replaced by their schema example. */
export function appEnvironment(
  parameters: Parameters,
  reference?: EvaluateOptions["reference"],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of evaluatedSettings(parameters, PUBLIC_CLOUD, reference)) {
    if (!KNOWN.has(name)) continue;
    if (isOpaque(value)) {
      const example = settingSchema(name as SettingName).examples?.[0];
      assert.ok(example !== undefined, `${name} is computed by Azure but has no example to stand in for it`);
      env[name] = String(example);
    } else {
      assert.equal(typeof value, "string", `${name} must evaluate to text`);
      env[name] = value as string;
    }
  }
  return env;
}
