import { SETTING_NAMES } from "./schema";
import type { SettingName } from "./types";

/** Names the Azure-Sentinel Mimecast connectors used; people migrating will have them set. */
const INCUMBENT_NAMES: Readonly<Record<string, SettingName>> = {
  BaseURL: "MIMECAST_BASE_URL",
  BaseUrl: "MIMECAST_BASE_URL",
  StartDate: "MIMECAST_START_DATE",
  Start_Date: "MIMECAST_START_DATE",
  Schedule: "MIMECAST_SCHEDULE",
  LogLevel: "MIMECAST_LOG_LEVEL",
};

export interface UnknownSetting {
  name: string;
  suggestion: SettingName | undefined;
  warning: string;
}

/**
 * Variables that look meant for this app but are not settings it reads: MIMECAST_* names (any case)
 * and the incumbent connector's names. A typo is a warning, not an error, so a harmless leftover
 * cannot stop ingestion, but the warning says what was probably meant.
 */
export function findUnknownSettings(names: Iterable<string>): UnknownSetting[] {
  const known = new Set<string>(SETTING_NAMES);
  const found: UnknownSetting[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    const incumbent = INCUMBENT_NAMES[name];
    if (incumbent) {
      found.push({
        name,
        suggestion: incumbent,
        warning: `${name} is a setting of the Azure-Sentinel Mimecast connector and is ignored here; this app reads ${incumbent}`,
      });
    } else if (name.toUpperCase().startsWith("MIMECAST_")) {
      const suggestion = closestSetting(name);
      const hint = suggestion ? ` - did you mean ${suggestion}?` : " (see docs/settings.md)";
      found.push({ name, suggestion, warning: `${name} is not a setting this app reads${hint}` });
    }
  }
  return found;
}

function closestSetting(name: string): SettingName | undefined {
  const wanted = squash(name);
  let best: { name: SettingName; distance: number } | undefined;
  for (const candidate of SETTING_NAMES) {
    const distance = editDistance(wanted, squash(candidate));
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  // Underscores and case are ignored above, so MIMECAST_BASEURL is distance 0 from MIMECAST_BASE_URL.
  return best && best.distance <= 2 ? best.name : undefined;
}

const squash = (name: string): string => name.toUpperCase().replace(/_/g, "");

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
