/**
 * Generates docs/settings.md from the settings schema (src/config/schema.ts), so the reference can
 * never drift from what start-up validates. Usage, after `npm run build`:
 *   node dist/scripts/gen-settings-doc.js          write docs/settings.md
 *   node dist/scripts/gen-settings-doc.js --check  exit 1 when docs/settings.md is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { SETTING_GROUPS, SETTINGS_SCHEMA } from "../src/config/schema";
import type { SettingSchema } from "../src/config/schema";

export interface SchemaForDocs {
  properties: Readonly<Record<string, SettingSchema>>;
}

const HEADER = `<!-- Generated from src/config/schema.ts by scripts/gen-settings-doc.ts: do not edit by hand. -->

# Settings

Every setting is an app setting of the Function App (locally: an environment variable, e.g. from
\`local.settings.json\`). Names follow one scheme: \`MIMECAST_\` plus UPPER_SNAKE_CASE words, with the
unit as the last word where there is one (\`_SECONDS\`, \`_MS\`). Standard variables (\`AZURE_CLIENT_ID\`,
\`NODE_ENV\`) are read under their usual names.

All settings are validated once, at start-up. An invalid or missing setting stops start-up with one
message that lists every problem: the setting, what was expected and what was received (secret values
are never echoed). Empty values count as unset. A \`MIMECAST_*\` variable that is not listed here is
reported as a warning naming the closest setting (\`MIMECAST_BASEURL\` → "did you mean
\`MIMECAST_BASE_URL\`?"), as are the Azure-Sentinel connector's old names (\`BaseURL\`, \`StartDate\`, …).

## Secrets

The Mimecast client secret (API 2.0) and keys (API 1.0) can come from three places:

1. **A plain app setting** (\`MIMECAST_CLIENT_SECRET\`, …): for local development.
2. **A Key Vault reference in that app setting**, e.g.
   \`@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/mimecast-client-secret/)\`. The
   platform resolves it with the app's identity; a rotated secret arrives when the platform refreshes the
   reference (within 24 hours) and restarts the app.
3. **Key Vault at run time**: set \`MIMECAST_KEY_VAULT_URI\` and the matching \`*_NAME\` setting, and leave
   the plain setting unset (setting both is an error, so it is never ambiguous which value is used). The
   value is cached for \`MIMECAST_SECRET_CACHE_TTL_SECONDS\` and read again at once after Mimecast rejects
   the credentials, so a rotation needs no restart. The managed identity (system-assigned, or the
   user-assigned one named by \`AZURE_CLIENT_ID\`) needs the **Key Vault Secrets User** role on the vault.

Secret values are registered with the log redactor as soon as they are read: they never appear in logs,
error messages or status output.
`;

/** Renders the settings reference as Markdown (before Prettier aligns the tables). */
export function renderSettingsDoc(schema: SchemaForDocs): string {
  return [HEADER, ...renderSettingsSections(schema, "##")].join("\n") + "\n";
}

/** The per-group tables alone (README embeds them under its own heading level). */
export function renderSettingsSections(schema: SchemaForDocs, heading: string): string[] {
  const entries = Object.entries(schema.properties);
  return SETTING_GROUPS.map((group) => {
    const rows = entries
      .filter(([, setting]) => setting["x-group"] === group)
      .map(([name, s]) => row(name, s));
    return [
      `${heading} ${group}`,
      "",
      "| Setting | Required | Default | Description | Example |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
    ].join("\n");
  });
}

function row(name: string, setting: SettingSchema): string {
  const cells = [
    `\`${name}\``,
    required(setting),
    defaultValue(setting),
    description(setting),
    examples(setting),
  ];
  return `| ${cells.map(escapeCell).join(" | ")} |`;
}

function required(setting: SettingSchema): string {
  const when = setting["x-requiredWhen"];
  if (!when) return "no";
  const conditions = Object.entries(when).map(([other, value]) => `\`${other}=${value}\``);
  const vaultName = setting["x-keyVaultName"];
  return `when ${conditions.join(" and ")}${vaultName ? ` (or \`${vaultName}\`)` : ""}`;
}

function defaultValue(setting: SettingSchema): string {
  if (setting.default !== undefined) return `\`${String(setting.default)}\``;
  return setting["x-default"] ?? "none";
}

function description(setting: SettingSchema): string {
  const parts = [setting.description];
  if (setting.enum) parts.push(`One of: ${setting.enum.map((v) => `\`${v}\``).join(", ")}.`);
  if (setting["x-secret"]) parts.push("**Secret**: never logged.");
  if (setting["x-requires"]) parts.push(`Needs ${setting["x-requires"].map((n) => `\`${n}\``).join(", ")}.`);
  return parts.join(" ");
}

function examples(setting: SettingSchema): string {
  return (setting.examples ?? []).map((e) => `\`${String(e)}\``).join("<br>");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export const SETTINGS_DOC_PATH = path.join("docs", "settings.md");

/** The committed form: rendered, then formatted with the repository's Prettier settings. */
export async function formattedSettingsDoc(repoRoot: string): Promise<string> {
  const file = path.join(repoRoot, SETTINGS_DOC_PATH);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(renderSettingsDoc(SETTINGS_SCHEMA), { ...options, filepath: file });
}

export const README_PATH = "README.md";

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, "../..");
  const targets: Array<[string, string]> = [[SETTINGS_DOC_PATH, await formattedSettingsDoc(repoRoot)]];
  for (const [relative, expected] of targets) {
    const file = path.join(repoRoot, relative);
    if (process.argv.includes("--check")) {
      if (readFileSync(file, "utf8") !== expected) {
        process.stderr.write(`${relative} is stale: run npm run gen:settings\n`);
        process.exitCode = 1;
      }
      continue;
    }
    writeFileSync(file, expected);
    process.stdout.write(`wrote ${relative}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
