import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { listContent, readContent } from "../helpers/kusto-content";
import type { AnalyticRule } from "./ruleValidation";
import { durationMinutes, ruleProblems } from "./ruleValidation";
import { contentTables, contentWorkspace } from "./workspace";

const workspace = contentWorkspace();
const tables = new Set(contentTables().map((t) => t.name));
const files = listContent("analyticRules", ".yaml");
const rules = files.map((file) => ({
  file,
  rule: parse(readContent("analyticRules", file)) as AnalyticRule,
}));

/** The 13 detections of the Mimecast 3.1 solution, by name. */
const MIMECAST_31_RULES = [
  "Mimecast Audit - Logon Authentication Failed",
  "Mimecast Data Leak Prevention - Hold",
  "Mimecast Data Leak Prevention - Notifications",
  "Mimecast Secure Email Gateway - AV",
  "Mimecast Secure Email Gateway - Attachment Protect",
  "Mimecast Secure Email Gateway - Impersonation Protect",
  "Mimecast Secure Email Gateway - Internal Email Protect",
  "Mimecast Secure Email Gateway - Spam Event Thread",
  "Mimecast Secure Email Gateway - URL Protect",
  "Mimecast Secure Email Gateway - Virus",
  "Mimecast Targeted Threat Protection - Attachment Protect",
  "Mimecast Targeted Threat Protection - Impersonation Protect",
  "Mimecast Targeted Threat Protection - URL Protect",
];

/** Detections on the newer logs (rejections, remediation incidents), which the 3.1 solution never read. */
const NEWER_LOG_RULES = [
  "Mimecast - burst of rejections from one IP",
  "Mimecast - threat remediation incident",
];

describe("analytic rules", () => {
  it("ship the 13 detections of the Mimecast 3.1 solution, the newer logs' rules and the connector health rule", () => {
    assert.deepEqual(
      rules.map((r) => r.rule.name).sort(),
      [...MIMECAST_31_RULES, ...NEWER_LOG_RULES, "Mimecast connector stalled or lagging"].sort(),
    );
  });

  it("have unique ids and names", () => {
    assert.equal(new Set(rules.map((r) => r.rule.id)).size, rules.length);
    assert.equal(new Set(rules.map((r) => r.rule.name)).size, rules.length);
  });

  for (const { file, rule } of rules) {
    it(`${file}: valid Scheduled rule whose query type-checks and outputs every mapped column`, () => {
      assert.deepEqual(ruleProblems(rule, workspace, tables), []);
    });
  }

  it("detections call the parsers, so they keep their 3.1 meaning on our tables", () => {
    for (const { file, rule } of rules) {
      if (rule.name.startsWith("Mimecast connector")) continue;
      assert.match(
        rule.query,
        /^(let [^\n]+\n)*Mimecast(CG|DLP|Audit|TTPUrl|TTPAttachment|TTPImpersonation|Rejections|RemediationIncidents)\n/m,
        file,
      );
    }
  });

  it("the health rule reads the connector health table and covers stalled, failing and lagging feeds", () => {
    const health = rules.find((r) => r.rule.name === "Mimecast connector stalled or lagging")!.rule;
    assert.match(health.query, /MimecastConnectorHealth_CL/);
    assert.match(health.query, /let stallAfter = 30m;/);
    assert.match(health.query, /Status == "failing"/);
    assert.match(health.query, /LagSeconds > lagThresholdSeconds/);
  });
});

describe("rule validation catches broken rules", () => {
  const base = rules.find((r) => r.file === "MimecastCG_AV.yaml")!.rule;
  const problemsOf = (patch: Partial<AnalyticRule>): string[] =>
    ruleProblems({ ...base, ...patch }, workspace, tables);

  it("an entity mapping column the query does not output", () => {
    const entityMappings = [
      { entityType: "IP", fieldMappings: [{ identifier: "Address", columnName: "SourceIp" }] },
    ];
    assert.deepEqual(problemsOf({ entityMappings }), [
      "entityMappings IP.Address: column SourceIp not in query output",
    ]);
  });

  it("a misspelled parser column in the query", () => {
    const problems = problemsOf({ query: base.query.replace("['Sender IP']", "['Sender Ip']") });
    assert.equal(problems.length >= 1, true);
    assert.match(problems[0]!, /^query: KS142 .*Sender Ip/);
  });

  it("bad formats: GUID, durations, tactics, techniques, severity", () => {
    const problems = problemsOf({
      id: "not-a-guid",
      queryFrequency: "15 minutes",
      queryPeriod: "PT1H",
      tactics: ["Phishing"],
      relevantTechniques: ["1566"],
      severity: "Critical",
    });
    for (const expected of [
      /^id:/,
      /^queryFrequency:/,
      /^queryPeriod:/,
      /^tactics: unknown/,
      /^relevantTechniques:/,
      /^severity:/,
    ]) {
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${expected} in ${problems.join(" | ")}`,
      );
    }
  });

  it("an arrival window that does not match the run interval", () => {
    assert.deepEqual(problemsOf({ queryFrequency: "30m" }), [
      "query: IngestionTime > ago(15m) but queryFrequency is 30m",
    ]);
  });

  it("a table the connector does not write", () => {
    const requiredDataConnectors = [{ connectorId: "MimecastSentinel", dataTypes: ["MimecastSIEM_CL"] }];
    assert.deepEqual(problemsOf({ requiredDataConnectors }), [
      "requiredDataConnectors: unknown table MimecastSIEM_CL",
    ]);
  });

  it("reads durations in minutes", () => {
    assert.equal(durationMinutes("15m"), 15);
    assert.equal(durationMinutes("1h"), 60);
    assert.equal(durationMinutes("14d"), 20160);
    assert.equal(durationMinutes("P1D"), undefined);
  });
});
