/**
 * infra/sentinelContent.json: the Sentinel content in content/ (parsers, analytic rules, workbook) as one
 * ARM template for the EXISTING workspace's resource group, generated so it can never drift from the
 * files the content tests check. Deployed as a second command after azuredeploy.json (not nested in it):
 * a scheduled rule's query is validated when the rule is created, and custom tables created by the same
 * deployment are not always queryable yet.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const API = {
  savedSearches: "2020-08-01",
  alertRules: "2023-02-01",
  workbooks: "2022-04-01",
} as const;

const SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const PARSER_CATEGORY = "Mimecast";
/** Same name every time: a redeployment updates the workbook instead of adding a copy. */
const WORKBOOK_KEY = "mimecast-sentinel-workbook";

export interface ParserContent {
  functionName: string;
  file: string;
  table: string;
  description: string;
  query: string;
}

export interface RuleContent {
  file: string;
  rule: SentinelRuleYaml;
}

/** The fields of the Sentinel YAML rule format this repository uses (content/analyticRules). */
export interface SentinelRuleYaml {
  id: string;
  name: string;
  description: string;
  severity: string;
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: string;
  triggerThreshold: number;
  tactics?: string[];
  relevantTechniques?: string[];
  query: string;
  entityMappings?: Json[];
  customDetails?: Record<string, string>;
  alertDetailsOverride?: JsonObject;
  incidentConfiguration?: JsonObject;
  eventGroupingSettings?: JsonObject;
  suppressionEnabled?: boolean;
  suppressionDuration?: string;
  version?: string;
  kind: string;
}

export interface SentinelContent {
  parsers: ParserContent[];
  rules: RuleContent[];
  workbook: { file: string; json: string; displayName: string };
}

/** Reads content/ (the parser manifest, every rule YAML, the workbook). */
export function readSentinelContent(contentDir: string): SentinelContent {
  const manifest = JSON.parse(readFileSync(path.join(contentDir, "parsers", "parsers.json"), "utf8")) as {
    parsers: Omit<ParserContent, "query">[];
  };
  const parsers = manifest.parsers.map((p) => ({
    functionName: p.functionName,
    file: p.file,
    table: p.table,
    description: p.description,
    query: readFileSync(path.join(contentDir, "parsers", p.file), "utf8"),
  }));
  const ruleDir = path.join(contentDir, "analyticRules");
  const rules = readdirSync(ruleDir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => ({
      file,
      rule: parse(readFileSync(path.join(ruleDir, file), "utf8")) as SentinelRuleYaml,
    }));
  const workbookFile = "mimecast-sentinel.json";
  const workbookText = readFileSync(path.join(contentDir, "workbooks", workbookFile), "utf8");
  return {
    parsers,
    rules,
    // Minified: the portal stores serializedData as given.
    workbook: { file: workbookFile, json: JSON.stringify(JSON.parse(workbookText)), displayName: "Mimecast" },
  };
}

/** Log Analytics table plans a DCR-based custom table may have. */
export const TABLE_PLANS = ["Analytics", "Basic", "Auxiliary"] as const;
export type TablePlan = (typeof TABLE_PLANS)[number];

/**
 * Plans a Microsoft Sentinel scheduled analytics rule can query: only Analytics (Basic and Auxiliary/data-lake
 * tables serve interactive queries and workbooks, not scheduled rules or log alerts). A rule is deployed only
 * when every table it reads is on one of these.
 */
export const PLANS_SERVING_RULES: readonly TablePlan[] = ["Analytics"];

const namedIn = (query: string, name: string): boolean =>
  new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(query);

/**
 * The tables (default names) a rule reads: those of the parsers it calls — the parser's own table and any
 * other it names (the awareness parsers also read MimecastSnapshots_CL) — and any table the rule names itself.
 */
export function ruleTables(
  rule: Pick<SentinelRuleYaml, "name" | "query">,
  parsers: readonly ParserContent[],
  tables: readonly string[],
): string[] {
  const read = new Set<string>();
  const queries = [rule.query];
  for (const parser of parsers) {
    if (!namedIn(rule.query, parser.functionName)) continue;
    read.add(parser.table);
    queries.push(parser.query);
  }
  for (const table of tables) if (queries.some((query) => namedIn(query, table))) read.add(table);
  if (read.size === 0) throw new Error(`${rule.name}: reads no table the connector writes`);
  return tables.filter((table) => read.has(table));
}

const expr = (text: string): string => `[${text}]`;
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** "15m" → "PT15M", "1d" → "P1D", "5h" → "PT5H" (ISO 8601, as the alertRules API takes them). */
export function isoDuration(value: string): string {
  const match = /^(\d+)([mhd])$/.exec(value.trim());
  if (!match) throw new Error(`unsupported duration ${value}`);
  const [, amount, unit] = match;
  return unit === "d" ? `P${amount}D` : `PT${amount}${unit!.toUpperCase()}`;
}

const TRIGGER_OPERATORS: Record<string, string> = {
  gt: "GreaterThan",
  lt: "LessThan",
  eq: "Equal",
  ne: "NotEqual",
};

const savedSearchId = (functionName: string): string =>
  `resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', parameters('workspaceName'), ${quote(functionName)})`;

/** ARM evaluates a string in [brackets] as an expression; "[[" keeps it literal. */
const literalString = (text: string): string =>
  text.startsWith("[") && text.trimEnd().endsWith("]") ? `[${text}` : text;

function savedSearch(parser: ParserContent): JsonObject {
  const sourceLine = `let MimecastSource = ${parser.table};`;
  if (!parser.query.includes(sourceLine)) throw new Error(`${parser.file}: no "${sourceLine}" line`);
  return {
    type: "Microsoft.OperationalInsights/workspaces/savedSearches",
    apiVersion: API.savedSearches,
    name: expr(`format('{0}/{1}', parameters('workspaceName'), ${quote(parser.functionName)})`),
    properties: {
      category: PARSER_CATEGORY,
      displayName: parser.description,
      functionAlias: parser.functionName,
      // The table's line follows the tableNames parameter, the same one-line edit docs/content.md describes.
      query: expr(
        `replace(variables('parserQueries')[${quote(parser.functionName)}], ${quote(sourceLine)}, format('let MimecastSource = {0};', variables('tableNames')[${quote(parser.table)}]))`,
      ),
      version: 2,
    },
  };
}

/** ARM condition: every table the rule reads is on a plan that serves scheduled rules. */
function servedCondition(tables: readonly string[]): string {
  const checks = tables.map(
    (table) => `contains(variables('plansServingRules'), variables('tablePlans')[${quote(table)}])`,
  );
  return expr(checks.length === 1 ? checks[0]! : `and(${checks.join(", ")})`);
}

function alertRule(
  rule: SentinelRuleYaml,
  parsers: readonly ParserContent[],
  tables: readonly string[],
): JsonObject {
  if (rule.kind !== "Scheduled") throw new Error(`${rule.name}: only Scheduled rules are supported`);
  const operator = TRIGGER_OPERATORS[rule.triggerOperator];
  if (!operator) throw new Error(`${rule.name}: unknown triggerOperator ${rule.triggerOperator}`);
  // The GA API takes parent techniques only (T1566.002 → T1566).
  const techniques = [...new Set((rule.relevantTechniques ?? []).map((t) => t.split(".")[0]!))];
  const uses = parsers.filter((p) => namedIn(rule.query, p.functionName));
  const properties: JsonObject = {
    displayName: rule.name,
    description: rule.description,
    severity: rule.severity,
    enabled: expr("parameters('enableAnalyticRules')"),
    query: literalString(rule.query),
    queryFrequency: isoDuration(rule.queryFrequency),
    queryPeriod: isoDuration(rule.queryPeriod),
    triggerOperator: operator,
    triggerThreshold: rule.triggerThreshold,
    suppressionEnabled: rule.suppressionEnabled ?? false,
    suppressionDuration: isoDuration(rule.suppressionDuration ?? "5h"),
    tactics: rule.tactics ?? [],
    techniques,
  };
  if (rule.entityMappings) properties["entityMappings"] = rule.entityMappings;
  if (rule.customDetails) properties["customDetails"] = rule.customDetails;
  if (rule.alertDetailsOverride) properties["alertDetailsOverride"] = rule.alertDetailsOverride;
  if (rule.incidentConfiguration) properties["incidentConfiguration"] = rule.incidentConfiguration;
  if (rule.eventGroupingSettings) properties["eventGroupingSettings"] = rule.eventGroupingSettings;
  return {
    type: "Microsoft.SecurityInsights/alertRules",
    apiVersion: API.alertRules,
    // The rule's own id: a redeployment updates the rule (and keeps its incidents) instead of adding one.
    name: rule.id,
    // Not created when a table it reads is on a plan scheduled rules cannot query (tablePlans).
    condition: servedCondition(ruleTables(rule, parsers, tables)),
    kind: "Scheduled",
    scope: expr("format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspaceName'))"),
    properties,
    dependsOn: uses.map((p) => expr(savedSearchId(p.functionName))),
  };
}

/** `tables`: every table the connector writes (default names), for the plans a rule's tables are on. */
export function buildContentTemplate(content: SentinelContent, tables: readonly string[]): JsonObject {
  const workbook = content.workbook;
  return {
    $schema: SCHEMA,
    contentVersion: "1.0.0.0",
    metadata: {
      description:
        "Mimecast content for Microsoft Sentinel (parsers as workspace functions, analytic rules, workbook), deployed into the existing workspace's resource group. Generated from content/ by scripts/gen-infra.ts: do not edit by hand.",
    },
    parameters: {
      workspaceName: {
        type: "string",
        metadata: {
          description: "Name of the existing Microsoft Sentinel workspace (in this resource group).",
        },
      },
      location: {
        type: "string",
        defaultValue: "[resourceGroup().location]",
        metadata: { description: "Region of the workbook resource (use the workspace's region)." },
      },
      tableNames: {
        type: "object",
        defaultValue: {},
        metadata: {
          description:
            'The same table overrides given to azuredeploy.json, keyed by default table name, e.g. {"Ttp_Url_CL": "MimecastTTPUrl_CL"}: each parser reads the renamed table.',
        },
      },
      tablePlans: {
        type: "object",
        defaultValue: {},
        metadata: {
          description:
            'The same table plans given to azuredeploy.json, keyed by default table name, e.g. {"Seg_Cg_CL": "Basic"}. A rule that reads a table on Basic or Auxiliary is not created (scheduled rules query Analytics tables only).',
        },
      },
      enableAnalyticRules: {
        type: "bool",
        defaultValue: true,
        metadata: { description: "Create the analytic rules enabled (false: created disabled)." },
      },
      workbookDisplayName: {
        type: "string",
        defaultValue: workbook.displayName,
        metadata: { description: "Name of the workbook in Sentinel → Workbooks." },
      },
    },
    variables: {
      defaultTableNames: Object.fromEntries(content.parsers.map((p) => [p.table, p.table])),
      tableNames: expr("union(variables('defaultTableNames'), parameters('tableNames'))"),
      defaultTablePlans: Object.fromEntries(tables.map((table) => [table, "Analytics"])),
      tablePlans: expr("union(variables('defaultTablePlans'), parameters('tablePlans'))"),
      plansServingRules: [...PLANS_SERVING_RULES],
      parserQueries: Object.fromEntries(content.parsers.map((p) => [p.functionName, literalString(p.query)])),
    },
    resources: [
      ...content.parsers.map(savedSearch),
      ...content.rules.map(({ rule }) => alertRule(rule, content.parsers, tables)),
      {
        type: "Microsoft.Insights/workbooks",
        apiVersion: API.workbooks,
        name: expr(`guid(resourceGroup().id, parameters('workspaceName'), ${quote(WORKBOOK_KEY)})`),
        location: expr("parameters('location')"),
        kind: "shared",
        properties: {
          displayName: expr("parameters('workbookDisplayName')"),
          serializedData: literalString(workbook.json),
          version: "Notebook/1.0",
          sourceId: expr(
            "resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))",
          ),
          category: "sentinel",
        },
        // The workbook's queries call the parsers.
        dependsOn: content.parsers.map((p) => expr(savedSearchId(p.functionName))),
      },
    ],
    outputs: {
      parsers: { type: "array", value: content.parsers.map((p) => p.functionName) },
      analyticRules: { type: "int", value: content.rules.length },
    },
  };
}
