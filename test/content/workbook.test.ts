import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeErrors, readContent } from "../helpers/kusto-content";
import { contentWorkspace } from "./workspace";

interface WorkbookItem {
  type: number;
  name: string;
  content: {
    version?: string;
    query?: string;
    title?: string;
    queryType?: number;
    resourceType?: string;
    timeContextFromParameter?: string;
    items?: WorkbookItem[];
    parameters?: { name: string; query?: string }[];
  };
}

const workbook = JSON.parse(readContent("workbooks", "mimecast-sentinel.json")) as {
  version: string;
  items: WorkbookItem[];
};

/** Every item, groups flattened. */
function allItems(items: readonly WorkbookItem[]): WorkbookItem[] {
  return items.flatMap((item) => [item, ...allItems(item.content.items ?? [])]);
}
const items = allItems(workbook.items);
const queries = items.filter((i) => i.content.version === "KqlItem/1.0");
const parameterNames = new Set(items.flatMap((i) => (i.content.parameters ?? []).map((p) => p.name)));

/**
 * Workbook parameters are substituted into the query text before it runs; to analyze a query, stand in a value
 * of the right kind. Any other `{…}` placeholder is an undeclared parameter.
 */
const PARAMETER_STAND_INS: Record<string, string> = { "TimeRange:grain": "1h" };
function substituteParameters(query: string): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const text = query.replace(/\{([A-Za-z][A-Za-z0-9_]*(?::[A-Za-z]+)?)\}/g, (whole, name: string) => {
    const standIn = PARAMETER_STAND_INS[name];
    if (standIn === undefined || !parameterNames.has(name.split(":")[0]!)) unknown.push(name);
    return standIn ?? whole;
  });
  return { text, unknown };
}

const workspace = contentWorkspace();

describe("workbook", () => {
  it("is an Azure workbook (Notebook/1.0) with uniquely named items", () => {
    assert.equal(workbook.version, "Notebook/1.0");
    const names = items.map((i) => i.name);
    assert.equal(new Set(names).size, names.length);
  });

  it("covers email threats and connector health", () => {
    const titles = queries.map((q) => q.content.title ?? "");
    for (const expected of [
      "Threats by type over time",
      "Verdicts over time",
      "Top senders",
      "Top recipients",
      "Lag by feed (minutes behind)",
      "Events ingested per feed",
      "Failing cycles per feed",
      "Rate-limited cycles per feed",
      "Latest errors",
      "Dead letters per feed",
    ]) {
      assert.ok(titles.includes(expected), expected);
    }
  });

  for (const item of queries) {
    it(`${item.name} (${item.content.title}): Log Analytics query that type-checks`, () => {
      assert.equal(item.content.queryType, 0);
      assert.equal(item.content.resourceType, "microsoft.operationalinsights/workspaces");
      assert.equal(item.content.timeContextFromParameter, "TimeRange");
      const { text, unknown } = substituteParameters(item.content.query ?? "");
      assert.deepEqual(unknown, [], "only declared parameters");
      const { errors, columns } = workspace.analyze(text);
      assert.deepEqual(errors, [], describeErrors(errors));
      assert.ok(columns.length > 0, "a tabular result");
    });
  }

  it("the check would catch a misspelled column in a workbook query", () => {
    const { text } = substituteParameters(
      "MimecastConnectorHealth_CL | summarize max(LagSecond) by Feed, bin(TimeGenerated, {TimeRange:grain})",
    );
    assert.equal(workspace.analyze(text).errors[0]?.code, "KS142");
    assert.deepEqual(substituteParameters("T | where x == {Feed}").unknown, ["Feed"]);
  });
});
