/**
 * infra/sentinelContent.json: the content/ files as ARM resources. Staleness is checked with the other
 * generated files (generated.test.ts); here: everything in content/ is in it, unchanged, and the template's
 * expressions all resolve.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isoDuration } from "../../scripts/infra/content";
import { callsOf, evaluate, literal, templateScopes } from "./arm";
import type { ArmResource, ArmTemplate } from "./arm";

/** dist/test/infra → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");
const CONTENT = path.join(REPO_ROOT, "content");
const read = (...parts: string[]): string => readFileSync(path.join(...parts), "utf8");
const list = (dir: string, extension: string): string[] =>
  readdirSync(path.join(CONTENT, dir))
    .filter((file) => file.endsWith(extension))
    .sort();

const template = JSON.parse(read(REPO_ROOT, "infra", "sentinelContent.json")) as ArmTemplate;
const ofType = (type: string): ArmResource[] => template.resources.filter((r) => r.type === type);
const savedSearches = ofType("Microsoft.OperationalInsights/workspaces/savedSearches");
const alertRules = ofType("Microsoft.SecurityInsights/alertRules");
const workbooks = ofType("Microsoft.Insights/workbooks");
const PARAMETERS = { workspaceName: "sentinel-ws" };

interface RuleYaml {
  id: string;
  name: string;
  query: string;
  queryFrequency: string;
  queryPeriod: string;
  relevantTechniques?: string[];
  entityMappings?: unknown;
  customDetails?: unknown;
}
const rules = list("analyticRules", ".yaml").map(
  (file) => parse(read(CONTENT, "analyticRules", file)) as RuleYaml,
);
const props = (resource: ArmResource): Record<string, unknown> => resource.properties ?? {};

describe("infra/sentinelContent.json", () => {
  test("has every parser in content/parsers as a workspace function, query unchanged with default table names", () => {
    const files = list("parsers", ".kql");
    assert.deepEqual(savedSearches.map((s) => `${String(props(s)["functionAlias"])}.kql`).sort(), files);
    for (const search of savedSearches) {
      const alias = String(props(search)["functionAlias"]);
      const evaluated = evaluate(search, template, PARAMETERS) as {
        name: unknown;
        properties: { query: unknown };
      };
      assert.equal(evaluated.properties.query, read(CONTENT, "parsers", `${alias}.kql`), alias);
      assert.equal(evaluated.name, `sentinel-ws/${alias}`);
      assert.equal(props(search)["category"], "Mimecast");
    }
  });

  test("a renamed table (tableNames) changes only the parser's `let MimecastSource` line", () => {
    const search = savedSearches.find((s) => props(s)["functionAlias"] === "MimecastAudit")!;
    const query = (tableNames: Record<string, string>): string =>
      (evaluate(props(search)["query"], template, { ...PARAMETERS, tableNames }) as string).toString();
    const original = read(CONTENT, "parsers", "MimecastAudit.kql");
    assert.equal(
      query({ Audit_CL: "MimecastAudit_CL" }),
      original.replace("let MimecastSource = Audit_CL;", "let MimecastSource = MimecastAudit_CL;"),
    );
    assert.equal(query({ Ttp_Url_CL: "Other_CL" }), original);
  });

  test("has every analytic rule in content/analyticRules as a Scheduled alert rule, same query and mappings", () => {
    assert.equal(alertRules.length, rules.length);
    assert.equal(
      rules.length,
      16,
      "13 rules of the 3.1 solution, the connector health rule and two on the newer logs",
    );
    for (const rule of rules) {
      const resource = alertRules.find((r) => r.name === rule.id);
      assert.ok(resource, `${rule.name} (${rule.id}) is missing`);
      assert.equal(resource["kind"], "Scheduled");
      const p = props(resource);
      assert.equal(p["displayName"], rule.name);
      assert.equal(p["query"], rule.query);
      assert.equal(p["queryFrequency"], isoDuration(rule.queryFrequency));
      assert.equal(p["queryPeriod"], isoDuration(rule.queryPeriod));
      assert.deepEqual(p["entityMappings"], rule.entityMappings);
      assert.deepEqual(p["customDetails"], rule.customDetails);
      assert.deepEqual(
        p["techniques"],
        [...new Set((rule.relevantTechniques ?? []).map((t) => t.split(".")[0]))],
        "the GA API takes parent techniques",
      );
      assert.match(
        String(resource["scope"]),
        /Microsoft\.OperationalInsights\/workspaces\/\{0\}', parameters\('workspaceName'\)/,
      );
    }
  });

  test("each rule is created after the parser functions its query calls", () => {
    for (const resource of alertRules) {
      const query = String(props(resource)["query"]);
      const dependsOn = (resource["dependsOn"] as string[]).map((d) =>
        literal(callsOf(d.slice(1, -1), "resourceId")[0]?.[2]),
      );
      for (const search of savedSearches) {
        const alias = String(props(search)["functionAlias"]);
        assert.equal(
          dependsOn.includes(alias),
          new RegExp(`\\b${alias}\\b`).test(query),
          `${resource.name}: ${alias}`,
        );
      }
    }
  });

  test("has the workbook in content/workbooks, unchanged, on the workspace", () => {
    assert.deepEqual(list("workbooks", ".json"), ["mimecast-sentinel.json"]);
    assert.equal(workbooks.length, 1);
    const workbook = props(workbooks[0]!);
    assert.deepEqual(
      JSON.parse(String(workbook["serializedData"])),
      JSON.parse(read(CONTENT, "workbooks", "mimecast-sentinel.json")),
    );
    assert.equal(workbook["category"], "sentinel");
    assert.equal(
      workbook["sourceId"],
      "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]",
    );
  });

  test("every expression resolves (declared parameters and variables), and every parameter is used", () => {
    // Evaluating the whole template throws on an undeclared parameter or variable, or on content text that
    // ARM would mistake for an expression.
    evaluate(template.resources, template, PARAMETERS);
    evaluate(template.outputs, template, PARAMETERS);
    const [scope] = templateScopes(template);
    const used = new Set(
      scope!.expressions.flatMap((e) => callsOf(e, "parameters").map(([arg]) => literal(arg))),
    );
    for (const name of Object.keys(template.parameters ?? {}))
      assert.ok(used.has(name), `${name} is never used`);
  });
});

describe("docs", () => {
  test("docs/content.md and docs/deployment.md say how to deploy infra/sentinelContent.json", () => {
    for (const doc of ["content.md", "deployment.md"]) {
      assert.match(read(REPO_ROOT, "docs", doc), /--template-file infra\/sentinelContent\.json/, doc);
    }
  });
});
