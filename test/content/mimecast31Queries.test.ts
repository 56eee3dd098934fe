/**
 * The Mimecast 3.x queries the research quotes, run offline with the Kusto language service: the rules'
 * filters on our parsers, and the solution's own parser expressions on our tables — each compared with the
 * same text on the 3.x tables as the research defines them (the oracle: research facts, not our specs).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { KqlAnalysis, KqlTable } from "../helpers/kusto-content";
import {
  KustoWorkspace,
  LOG_ANALYTICS_STANDARD_COLUMNS,
  describeErrors,
  listContent,
  readContent,
} from "../helpers/kusto-content";
import { KQL_TYPE_31, MIMECAST_31_TABLE_READS } from "./mimecast31Columns";
import {
  MIMECAST_31_PARSER_FRAGMENTS,
  MIMECAST_31_RULE_FILTERS,
  MIMECAST_31_TTP_WORKBOOK_UNION,
} from "./mimecast31Queries";
import { contentWorkspace, tablesWorkspace } from "./workspace";

/** The 3.x tables with what the research says their parsers read (TimeGenerated and Log Analytics' own added). */
function mimecast31Tables(): KqlTable[] {
  return Object.values(MIMECAST_31_TABLE_READS).map(({ table, reads }) => ({
    name: table,
    columns: [
      { name: "TimeGenerated", type: "datetime" },
      ...Object.entries(reads).map(([name, type]) => ({ name, type: KQL_TYPE_31[type] })),
      ...LOG_ANALYTICS_STANDARD_COLUMNS,
    ],
  }));
}

const outputTypes = (workspace: KustoWorkspace, query: string): Map<string, string> =>
  new Map(workspace.analyze(query).columns.map((c) => [c.name, c.type]));

/** `Column == "text"` / `['Column'] != ""` / `Column == true`: the column must be a string or a bool. */
function literalTypeProblems(query: string, types: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const matched = [...query.matchAll(/(\['[^']+'\]|\b[A-Z]\w*)\s*(?:==|!=)\s*("[^"]*"|true|false)/g)];
  // Every comparison is understood, or the check would pass by missing one.
  const comparisons = [...query.matchAll(/==|!=/g)].length;
  if (matched.length !== comparisons)
    problems.push(`${comparisons - matched.length} comparisons not understood`);
  for (const m of matched) {
    const column = m[1]!.replace(/^\['|'\]$/g, "");
    const expected = m[2]!.startsWith('"') ? "string" : "bool";
    if (types.get(column) !== expected)
      problems.push(`${column} is ${types.get(column) ?? "missing"}, compared with ${m[2]}`);
  }
  return problems;
}

const codes = (analysis: KqlAnalysis): string[] => analysis.errors.map((e) => e.code).sort();

describe("Mimecast 3.x rules (their filters, as the research quotes them) on our parsers", () => {
  const ours = contentWorkspace();
  const shipped = new Set(
    listContent("analyticRules", ".yaml").map(
      (file) => (parse(readContent("analyticRules", file)) as { name: string }).name,
    ),
  );

  it("quotes all 13 rules, each shipped under the same name", () => {
    assert.equal(Object.keys(MIMECAST_31_RULE_FILTERS).length, 13);
    assert.deepEqual(
      Object.keys(MIMECAST_31_RULE_FILTERS).filter((name) => !shipped.has(name)),
      [],
    );
  });

  for (const [rule, query] of Object.entries(MIMECAST_31_RULE_FILTERS)) {
    it(`${rule}: type-checks unchanged`, () => {
      const { errors } = ours.analyze(query);
      assert.deepEqual(errors, [], describeErrors(errors));
    });
  }

  // The analyzer lets `string == true` pass (Kusto converts at run time and matches nothing), so the
  // literal each filter compares with must match the column's type in our parser's output.
  it("every column a filter compares with a literal has the literal's type (['Tagged Malicious'] == true: bool)", () => {
    const wrong = Object.values(MIMECAST_31_RULE_FILTERS).flatMap((query) =>
      literalTypeProblems(query, outputTypes(ours, /^(\w+)/.exec(query)![1]!)),
    );
    assert.deepEqual(wrong, []);
    // The check can fail: the same filter on a parser that returns the column as a string.
    const stringly = new Map(
      [...outputTypes(ours, "MimecastTTPImpersonation")].map(([n, t]) => [
        n,
        n === "Tagged Malicious" ? "string" : t,
      ]),
    );
    assert.deepEqual(
      literalTypeProblems(
        MIMECAST_31_RULE_FILTERS["Mimecast Targeted Threat Protection - Impersonation Protect"]!,
        stringly,
      ),
      ["Tagged Malicious is string, compared with true"],
    );
  });

  it("the TTP workbook's union keys every branch on a string Type", () => {
    const analysis = ours.analyze(MIMECAST_31_TTP_WORKBOOK_UNION);
    assert.deepEqual(analysis.errors, [], describeErrors(analysis.errors));
    assert.equal(analysis.columns.find((c) => c.name === "Type")?.type, "string");
  });
});

describe("the Mimecast 3.x parsers' own expressions (as the research quotes them) on our tables", () => {
  const ours = tablesWorkspace();
  const theirs = new KustoWorkspace(mimecast31Tables());

  for (const [parser, query] of Object.entries(MIMECAST_31_PARSER_FRAGMENTS)) {
    it(`${parser}: no error the 3.x tables would not give, and every output column with its 3.x type`, () => {
      const on31 = theirs.analyze(query);
      const onOurs = ours.analyze(query);
      assert.deepEqual(codes(onOurs), codes(on31), describeErrors(onOurs.errors));
      const types = new Map(onOurs.columns.map((c) => [c.name, c.type]));
      const differ = on31.columns
        .filter((c) => types.get(c.name) !== c.type)
        .map((c) => `${c.name}: 3.x ${c.type}, ours ${types.get(c.name) ?? "missing"}`);
      assert.deepEqual(differ, []);
    });
  }

  it("the check can fail: a dedup key of another type splits the fuzzy union (messageId_dynamic)", () => {
    const dynamicKey: KqlTable[] = mimecast31Tables().map((t) =>
      t.name !== "Ttp_Attachment_CL"
        ? t
        : { ...t, columns: t.columns.map((c) => (c.name === "messageId" ? { ...c, type: "dynamic" } : c)) },
    );
    const analysis = new KustoWorkspace(dynamicKey).analyze(
      MIMECAST_31_PARSER_FRAGMENTS["MimecastTTPAttachment"]!,
    );
    assert.notDeepEqual(analysis.errors, []);
  });
});
