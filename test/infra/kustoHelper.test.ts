import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { analyzeKusto, kustoDiagnostics, kustoType } from "../helpers/kusto";

const TABLES = [
  {
    name: "Audit_CL",
    columns: [
      { name: "TimeGenerated", type: "dateTime" },
      { name: "auditType", type: "string" },
      { name: "Truncated", type: "boolean" },
    ],
  },
];

describe("Kusto test helper", () => {
  test("accepts a valid query and reports its output schema", () => {
    const analysis = analyzeKusto(
      "Audit_CL | where Truncated | project TimeGenerated, Kind = auditType",
      TABLES,
    );
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(analysis.columns, [
      { name: "TimeGenerated", type: "datetime" },
      { name: "Kind", type: "string" },
    ]);
    assert.ok(analysis.syntaxKinds.includes("FilterOperator"));
    assert.deepEqual(analyzeKusto("Audit_CL | extend k = tolower(auditType)", TABLES).functionNames, [
      "tolower",
    ]);
  });

  test("reports unknown tables and columns, and type errors", () => {
    assert.match(kustoDiagnostics("Nope_CL | take 1", TABLES).join("\n"), /KS204.*Nope_CL/);
    assert.match(kustoDiagnostics("Audit_CL | project Foo", TABLES).join("\n"), /KS142.*'Foo'/);
    assert.match(kustoDiagnostics("Audit_CL | where Truncated > 'x'", TABLES).join("\n"), /KS106/);
  });

  test("resolves stored functions (parsers) over the tables", () => {
    const functions = [{ name: "MimecastAudit", body: "Audit_CL | project ['Audit Type'] = auditType" }];
    assert.deepEqual(kustoDiagnostics("MimecastAudit | where ['Audit Type'] == 'x'", TABLES, functions), []);
    assert.notDeepEqual(kustoDiagnostics("MimecastAudit | where auditType == 'x'", TABLES, functions), []);
  });

  test("maps DCR and table column types to Kusto types", () => {
    assert.equal(kustoType("dateTime"), "datetime");
    assert.equal(kustoType("boolean"), "bool");
    assert.throws(() => kustoType("blob"), /unknown column type/);
  });
});
