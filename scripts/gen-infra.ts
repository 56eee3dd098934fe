/**
 * Generates the deployment artefacts from the feed registry (src/feeds), so tables, DCR streams and
 * the template can never drift from what the feeds write, and infra/sentinelContent.json from content/. Usage, after `npm run build`:
 *   node dist/scripts/gen-infra.js          write the files below (npm run gen:infra)
 *   node dist/scripts/gen-infra.js --check  exit 1 when a committed file is stale
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { FEEDS } from "../src/feeds";
import type { FeedSpecBase } from "../src/feeds/types";
import { generateDcrs, generateTables, tableEntries } from "./infra/tables";
import { buildTemplate, buildUiDefinition } from "./infra/template";
import { buildContentTemplate, readSentinelContent } from "./infra/content";

/** dist/scripts → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../..");

export const INFRA_FILES = {
  dcr: path.join("infra", "generated", "dcr.json"),
  tables: path.join("infra", "generated", "tables.json"),
  template: path.join("infra", "azuredeploy.json"),
  uiDefinition: path.join("infra", "createUiDefinition.json"),
  sentinelContent: path.join("infra", "sentinelContent.json"),
} as const;

export type InfraFile = keyof typeof INFRA_FILES;

/** Every generated artefact as plain objects (tests inspect these): from the feed registry and content/. */
export function generateInfra(
  feeds: readonly FeedSpecBase[] = FEEDS,
  contentDir: string = path.join(REPO_ROOT, "content"),
): Record<InfraFile, unknown> {
  const entries = tableEntries(feeds);
  const dcr = generateDcrs(entries);
  const tables = generateTables(entries);
  const feedIds = feeds.map((feed) => feed.id);
  return {
    dcr,
    tables,
    template: buildTemplate(entries, dcr, tables, feedIds),
    uiDefinition: buildUiDefinition(entries, feedIds),
    sentinelContent: buildContentTemplate(
      readSentinelContent(contentDir),
      entries.map((entry) => entry.table),
    ),
  };
}

/** File contents exactly as committed: JSON formatted by the repository's Prettier settings. */
export async function renderInfraFiles(repoRoot: string): Promise<Record<InfraFile, string>> {
  const generated = generateInfra(FEEDS, path.join(repoRoot, "content"));
  const rendered = {} as Record<InfraFile, string>;
  for (const key of Object.keys(INFRA_FILES) as InfraFile[]) {
    const file = path.join(repoRoot, INFRA_FILES[key]);
    const options = (await prettier.resolveConfig(file)) ?? {};
    rendered[key] = await prettier.format(JSON.stringify(generated[key]), { ...options, filepath: file });
  }
  return rendered;
}

/** Files whose committed content differs from a fresh generation. */
export async function staleInfraFiles(repoRoot: string): Promise<string[]> {
  const rendered = await renderInfraFiles(repoRoot);
  return (Object.keys(INFRA_FILES) as InfraFile[])
    .filter((key) => {
      const file = path.join(repoRoot, INFRA_FILES[key]);
      try {
        return readFileSync(file, "utf8") !== rendered[key];
      } catch {
        return true;
      }
    })
    .map((key) => INFRA_FILES[key]);
}

async function main(): Promise<void> {
  const repoRoot = REPO_ROOT;
  if (process.argv.includes("--check")) {
    const stale = await staleInfraFiles(repoRoot);
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(", ")} — run npm run gen:infra`);
      process.exitCode = 1;
    }
    return;
  }
  const rendered = await renderInfraFiles(repoRoot);
  for (const key of Object.keys(INFRA_FILES) as InfraFile[]) {
    const file = path.join(repoRoot, INFRA_FILES[key]);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, rendered[key]);
    console.log(`wrote ${INFRA_FILES[key]} (${Buffer.byteLength(rendered[key])} bytes)`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
