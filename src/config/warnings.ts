import { appliesToVersion } from "./crossChecks";
import { SETTING_NAMES, settingSchema } from "./schema";
import type { Settings } from "./types";
import type { RawSettings } from "./validate";

/** Settings that are valid but have no effect, and a sink that silently keeps data on local disk. */
export function ignoredSettingWarnings(raw: RawSettings, settings: Settings): string[] {
  const warnings: string[] = [];
  const version = settings.MIMECAST_API_VERSION;
  for (const name of SETTING_NAMES) {
    if (raw[name] !== undefined && !appliesToVersion(name, settings)) {
      warnings.push(
        `${name} is ignored: it is only read when MIMECAST_API_VERSION is ${settingSchema(name)["x-apiVersion"]}`,
      );
    }
  }
  const vaultNames = SETTING_NAMES.filter(
    (n) => settingSchema(n)["x-requires"] && appliesToVersion(n, settings),
  );
  if (raw.MIMECAST_KEY_VAULT_URI !== undefined && !vaultNames.some((n) => raw[n] !== undefined)) {
    warnings.push(
      `MIMECAST_KEY_VAULT_URI is set but no secret is read from it: set ${vaultNames.join(" / ")} for API ${version}`,
    );
  }
  if (settings.MIMECAST_SINK === "local") {
    if (raw.MIMECAST_SINK === undefined) {
      warnings.push(
        `MIMECAST_SINK defaults to local: records are written to ${settings.MIMECAST_LOCAL_SINK_DIR}, not to Microsoft Sentinel. ` +
          "Set MIMECAST_DCE_ENDPOINT and MIMECAST_DCR_IMMUTABLE_ID to ingest, or MIMECAST_SINK=local to silence this warning",
      );
    }
    for (const name of ["MIMECAST_DCE_ENDPOINT", "MIMECAST_DCR_IMMUTABLE_ID"] as const) {
      if (raw[name] !== undefined) warnings.push(`${name} is ignored because MIMECAST_SINK is local`);
    }
  }
  return warnings;
}
