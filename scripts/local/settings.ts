/**
 * Which settings `npm start` runs with, and the lines that say so. Sources, later wins: the `Values` of
 * ./local.settings.json (the Functions format of local.settings.json.example), then the environment.
 * Nothing is dropped silently: every MIMECAST_* setting is either used or named as replaced.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface LocalSettings {
  /** Real Mimecast (credentials present) or the bundled simulator. */
  mode: "real" | "simulator";
  /** Every MIMECAST_* setting from the file and the environment (environment wins). */
  settings: Record<string, string>;
  /** Lines to print before the run: where settings came from, each one used or replaced, and why. */
  notes: string[];
  /** Where the local NDJSON sink writes, in both modes. */
  sinkDir: string;
}

export const LOCAL_SETTINGS_FILE = "local.settings.json";

/** Settings the simulator has to own: they point the connector at it. */
export const SIMULATOR_OWNED = [
  "MIMECAST_API_VERSION",
  "MIMECAST_BASE_URL",
  "MIMECAST_CLIENT_ID",
  "MIMECAST_CLIENT_SECRET",
  "MIMECAST_APP_ID",
  "MIMECAST_APP_KEY",
  "MIMECAST_ACCESS_KEY",
  "MIMECAST_SECRET_KEY",
  "MIMECAST_ALLOW_INSECURE_HTTP",
  "MIMECAST_FILE_HOST_ALLOWLIST",
  "MIMECAST_KEY_VAULT_URI",
  "MIMECAST_CLIENT_SECRET_NAME",
  "MIMECAST_APP_KEY_NAME",
  "MIMECAST_ACCESS_KEY_NAME",
  "MIMECAST_SECRET_KEY_NAME",
] as const;

const CREDENTIALS = ["MIMECAST_CLIENT_ID", "MIMECAST_APP_ID"] as const;

/** `<your API 2.0 client id>` in the example file is not a credential. */
const isPlaceholder = (value: string): boolean => /^<.*>$/.test(value.trim());
const isSecretName = (name: string): boolean => /SECRET|KEY$|PASSWORD|TOKEN/.test(name);

export class LocalSettingsError extends Error {}

/** Reads `Values` from local.settings.json in `dir`, if the file is there. */
export function readLocalSettingsFile(
  dir: string,
): { path: string; values: Record<string, string> } | undefined {
  const path = resolve(join(dir, LOCAL_SETTINGS_FILE));
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new LocalSettingsError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new LocalSettingsError(`${path} has no "Values" object (see local.settings.json.example)`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[name] = String(value);
    }
  }
  return { path, values: out };
}

export function resolveLocalSettings(
  env: NodeJS.ProcessEnv,
  options: { cwd: string; dataDir: string },
): LocalSettings {
  const notes: string[] = [];
  const file = readLocalSettingsFile(options.cwd);
  const merged: Record<string, string> = {};
  // Empty strings mean "not set" in the example file (e.g. "MIMECAST_START_DATE": "").
  for (const [name, value] of Object.entries(file?.values ?? {})) {
    if (name.startsWith("MIMECAST_") && value !== "") merged[name] = value;
  }
  const fromFile = Object.keys(merged).length;
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("MIMECAST_") && value !== undefined && value !== "") merged[name] = value;
  }
  if (file) {
    notes.push(
      `read ${fromFile} MIMECAST_* setting(s) from ${file.path} ("Values"; the environment wins over it)`,
    );
  } else {
    notes.push(`no ${LOCAL_SETTINGS_FILE} here; settings come from the environment only`);
  }

  const placeholders = CREDENTIALS.filter((n) => merged[n] !== undefined && isPlaceholder(merged[n]));
  for (const name of placeholders) {
    notes.push(`${name} is still the example's placeholder "${merged[name]}": not used`);
    delete merged[name];
  }
  const mode = CREDENTIALS.some((n) => merged[n] !== undefined) ? "real" : "simulator";

  const sinkDir = merged["MIMECAST_LOCAL_SINK_DIR"] ?? join(options.dataDir, "tables");
  if (merged["MIMECAST_LOCAL_SINK_DIR"] === undefined) merged["MIMECAST_LOCAL_SINK_DIR"] = sinkDir;

  if (mode === "simulator") {
    if (merged["MIMECAST_BASE_URL"] !== undefined) {
      notes.push(
        `MIMECAST_BASE_URL is set but there is no MIMECAST_CLIENT_ID (API 2.0) or MIMECAST_APP_ID (API 1.0) to sign in with: staying on the simulator. Set the credentials too to ingest from ${merged["MIMECAST_BASE_URL"]}.`,
      );
    }
    for (const name of SIMULATOR_OWNED) {
      if (merged[name] !== undefined) {
        notes.push(`${name}: yours is replaced by the simulator's (simulator mode)`);
        delete merged[name];
      }
    }
  }
  for (const [name, value] of Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))) {
    if (name === "MIMECAST_LOCAL_SINK_DIR" && value === sinkDir && !isUserSet(name, env, file?.values))
      continue;
    notes.push(`${name}=${isSecretName(name) ? "(set)" : value}`);
  }
  return { mode, settings: merged, notes, sinkDir };
}

function isUserSet(name: string, env: NodeJS.ProcessEnv, file: Record<string, string> | undefined): boolean {
  return Boolean(env[name]) || Boolean(file?.[name]);
}
