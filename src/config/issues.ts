import type { ConfigIssue } from "./errors";
import { settingSchema } from "./schema";
import type { SettingName } from "./types";
import { maskUrlCredentials } from "./urls";

const MAX_ECHO = 100;
export const NOT_SET = "nothing (unset or empty)";

/** How a received value appears in an error: quoted and shortened, or hidden for secrets. */
export function describeReceived(setting: SettingName, value: string | undefined, problem?: string): string {
  if (value === undefined) return NOT_SET;
  if (settingSchema(setting)["x-secret"])
    return problem ?? "a value (hidden: secret settings are never echoed)";
  const shown = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  const quoted = JSON.stringify(maskUrlCredentials(shown));
  return problem ? `${quoted} (${problem})` : quoted;
}

export function issue(
  setting: SettingName,
  received: string,
  expected = settingSchema(setting)["x-expected"],
): ConfigIssue {
  return { setting, expected, received };
}
