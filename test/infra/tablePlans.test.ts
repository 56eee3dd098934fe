/**
 * Table plans and retention (azuredeploy.json tablePlans / tableRetention) and the content template's rule
 * conditions: a scheduled rule is never created when a table it reads is on Basic or Auxiliary.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { listContent, readContent } from "../helpers/kusto-content";
import { parserManifest } from "../content/workspace";
import { readSentinelContent, ruleTables } from "../../scripts/infra/content";
import { evaluate } from "./arm";
import type { ArmResource, ArmTemplate, ArmValue } from "./arm";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const readJson = (file: string): ArmTemplate =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as ArmTemplate;
const content = readJson("infra/sentinelContent.json");
const deploy = readJson("infra/azuredeploy.json");
const rules = content.resources.filter((r) => r.type === "Microsoft.SecurityInsights/alertRules");
const ruleYaml = new Map(
  listContent("analyticRules", ".yaml").map((file) => {
    const rule = parse(readContent("analyticRules", file)) as { id: string; query: string; name: string };
    return [rule.id, rule];
  }),
);
const created = (rule: ArmResource, tablePlans: Record<string, ArmValue>): ArmValue =>
  evaluate(rule["condition"], content, { workspaceName: "ws", tablePlans });

/** The parsers that read `table`: it is theirs in the manifest, or their body names it. */
function parsersReading(table: string): string[] {
  return parserManifest()
    .parsers.filter(
      (p) =>
        p.table === table ||
        readContent("parsers", p.file)
          .split(/[^A-Za-z0-9_]+/)
          .includes(table),
    )
    .map((p) => p.functionName);
}

/**
 * The rules that read `table`, from content/ alone (not the generator): the query names the table, or a
 * parser whose manifest entry reads it.
 */
function rulesNeeding(table: string): string[] {
  const functions = parsersReading(table);
  const names = (query: string, name: string): boolean => query.split(/[^A-Za-z0-9_]+/).includes(name);
  return rules
    .map((r) => r.name)
    .filter((id) => [table, ...functions].some((name) => names(ruleYaml.get(id)!.query, name)));
}

describe("table plans: the content template never creates a rule on a table scheduled rules cannot query", () => {
  test("on the default plans (all Analytics) every rule is created", () => {
    assert.ok(rules.length >= 14);
    for (const rule of rules) assert.equal(created(rule, {}), true, rule.name);
  });

  test("a rule is skipped exactly when a table it reads is Basic or Auxiliary", () => {
    for (const { name: table } of parserManifest()
      .parsers.map((p) => ({ name: p.table }))
      .concat([{ name: "MimecastConnectorHealth_CL" }])) {
      const needing = rulesNeeding(table);
      for (const plan of ["Basic", "Auxiliary"]) {
        const skipped = rules.filter((rule) => created(rule, { [table]: plan }) === false);
        assert.deepEqual(
          skipped.map((r) => r.name),
          needing,
          `${table} on ${plan}`,
        );
      }
      assert.ok(rules.every((rule) => created(rule, { [table]: "Analytics" }) === true));
    }
    // The check can fail: the CG table feeds several rules.
    assert.ok(rulesNeeding("Seg_Cg_CL").length >= 7);
  });
});

describe("the content generator's table list for a rule", () => {
  const { parsers } = readSentinelContent(path.join(REPO_ROOT, "content"));
  const tables = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, "infra/generated/tables.json"), "utf8")) as {
      name: string;
    }[]
  ).map((t) => t.name);

  test("includes the tables a called parser reads besides its own (awareness: the snapshot table)", () => {
    const rule = { name: "awareness rule", query: 'AwarenessUserData\n| where Status == "clicked"' };
    assert.deepEqual(ruleTables(rule, parsers, tables).sort(), [
      "Awareness_User_Data_CL",
      "MimecastSnapshots_CL",
    ]);
  });

  test("refuses a rule that reads no table the connector writes", () => {
    assert.throws(
      () => ruleTables({ name: "x", query: "SigninLogs | take 1" }, parsers, tables),
      /reads no table/,
    );
  });
});

describe("table plans and retention in azuredeploy.json", () => {
  const tablesDeployment = deploy.resources.find((r) =>
    r.properties?.template?.resources[0]?.type.endsWith("/tables"),
  )!;
  const tableResource = tablesDeployment.properties!.template!.resources[0]!;
  const tableProperties = tableResource.properties as Record<string, string>;
  const variable = (name: string, parameters: Record<string, ArmValue>): ArmValue =>
    evaluate(`[variables('${name}')]`, deploy, { workspaceName: "ws", ...parameters });

  test("every table defaults to Analytics with the workspace's retention", () => {
    const plans = variable("tablePlans", {}) as Record<string, string>;
    const retention = variable("tableRetention", {}) as Record<string, unknown>;
    assert.ok(Object.keys(plans).length >= 17);
    for (const [table, plan] of Object.entries(plans)) {
      assert.equal(plan, "Analytics", table);
      assert.deepEqual(retention[table], { retentionInDays: -1, totalRetentionInDays: -1 });
    }
  });

  test("a plan or retention given for a table overrides its default only", () => {
    const plans = variable("tablePlans", { tablePlans: { Seg_Cg_CL: "Basic" } }) as Record<string, string>;
    assert.equal(plans["Seg_Cg_CL"], "Basic");
    assert.equal(plans["Audit_CL"], "Analytics");
  });

  test("each table resource takes its plan and retention from them, interactive retention on Analytics only", () => {
    assert.equal(
      tableProperties["plan"],
      "[parameters('tablePlans')[parameters('tables')[copyIndex()].name]]",
    );
    assert.match(
      tableProperties["retentionInDays"]!,
      /^\[if\(equals\(parameters\('tablePlans'\).*'Analytics'\), .*retentionInDays, json\('null'\)\)\]$/,
    );
    assert.match(
      tableProperties["totalRetentionInDays"]!,
      /parameters\('tableRetention'\).*\.totalRetentionInDays\]$/,
    );
  });
});

/** The workbook's query tiles as "<tab label>: <title>", each with its query. */
function workbookTiles(): { tile: string; query: string }[] {
  interface Item {
    name?: string;
    content?: {
      title?: string;
      query?: string;
      items?: Item[];
      links?: { subTarget?: string; linkLabel?: string }[];
    };
  }
  const workbook = JSON.parse(readContent("workbooks", "mimecast-sentinel.json")) as { items: Item[] };
  const labels = new Map<string, string>();
  const tiles: { tile: string; query: string }[] = [];
  const walk = (items: Item[] | undefined, tab: string): void => {
    for (const item of items ?? []) {
      for (const link of item.content?.links ?? [])
        if (link.subTarget && link.linkLabel) labels.set(link.subTarget, link.linkLabel);
      const query = item.content?.query;
      if (query) tiles.push({ tile: `${labels.get(tab) ?? tab}: ${item.content?.title ?? "?"}`, query });
      walk(item.content?.items, /^group - (\w+)$/.exec(item.name ?? "")?.[1] ?? tab);
    }
  };
  walk(workbook.items, "");
  return tiles;
}

describe("docs/deployment.md: which rules and workbook tiles each table's plan costs", () => {
  const tables = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, "infra/generated/tables.json"), "utf8")) as {
      name: string;
    }[]
  ).map((t) => t.name);
  const reads = (query: string, table: string): boolean => {
    const functions = parsersReading(table);
    const words = query.split(/[^A-Za-z0-9_]+/);
    return [table, ...functions].some((name) => words.includes(name));
  };
  const tiles = workbookTiles();
  /** Table → [rules, tiles] as the docs' table lists them ("none" = empty); the last row covers every other table. */
  function documented(): Map<string, [string[], string[]]> {
    const docs = readFileSync(path.join(REPO_ROOT, "docs/deployment.md"), "utf8");
    const start = docs.indexOf("| Table ", docs.indexOf("Which shipped rules and workbook tiles"));
    const rows = docs
      .slice(start)
      .split("\n\n")[0]!
      .split("\n")
      .slice(2)
      .map((line) =>
        line
          .split("|")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const list = (cell: string): string[] => {
      if (cell === "none") return [];
      const [tab, titles] = cell.includes(": ") ? cell.split(": ") : [undefined, cell];
      return titles.split("; ").map((title) => (tab ? `${tab}: ${title}` : title));
    };
    const result = new Map<string, [string[], string[]]>();
    for (const [i, [names, rules, tileCell]] of rows.entries()) {
      const listed = [...names!.matchAll(/`(\w+_CL)`/g)].map((m) => m[1]!);
      const covered = i === rows.length - 1 ? tables.filter((t) => !result.has(t)) : listed;
      for (const table of covered) result.set(table, [list(rules!), list(tileCell!)]);
    }
    return result;
  }

  test("lists, for every table, exactly the rules and tiles that read it", () => {
    const docs = documented();
    for (const table of tables) {
      const rules = [...ruleYaml.values()].filter((r) => reads(r.query, table)).map((r) => r.name);
      const tileNames = [...new Set(tiles.filter((t) => reads(t.query, table)).map((t) => t.tile))];
      assert.deepEqual(docs.get(table), [rules.sort(), tileNames], table);
    }
    // The check can fail: the CG table costs seven rules and the threat tiles.
    assert.equal(docs.get("Seg_Cg_CL")?.[0].length, 7);
    assert.ok((docs.get("Seg_Cg_CL")?.[1].length ?? 0) >= 6);
  });
});
