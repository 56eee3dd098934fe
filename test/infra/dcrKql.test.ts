import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { generateInfra } from "../../scripts/gen-infra";
import type { GeneratedDcr, GeneratedTable } from "../../scripts/infra/tables";
import { dataFlowProblems } from "./dcrChecks";
import type { DcrLike, TableLike } from "./dcrChecks";

const generated = generateInfra();
const dcrs = (generated.dcr as GeneratedDcr[]).map((dcr) => dcr.properties);
const tables = generated.tables as GeneratedTable[];

/** A one-flow DCR and table to prove the checker rejects what it should. */
function sample(
  transformKql: string,
  tableColumns = [
    { name: "TimeGenerated", type: "dateTime" },
    { name: "Message", type: "string" },
  ],
): [DcrLike, TableLike[]] {
  return [
    {
      streamDeclarations: {
        "Custom-Demo_CL": {
          columns: [
            { name: "TimeGenerated", type: "datetime" },
            { name: "Message", type: "string" },
            { name: "Level", type: "int" },
          ],
        },
      },
      dataFlows: [{ streams: ["Custom-Demo_CL"], transformKql, outputStream: "Custom-Demo_CL" }],
    },
    [{ name: "Demo_CL", properties: { schema: { name: "Demo_CL", columns: tableColumns } } }],
  ];
}

describe("generated DCR transforms (offline KQL validation)", () => {
  test("every data flow's transformKql parses, uses allowed operators and yields exactly its table's columns", () => {
    assert.ok(dcrs.every((dcr) => dcr.dataFlows.length > 0));
    const problems = dcrs.flatMap((dcr) =>
      dcr.dataFlows.flatMap((_, index) => dataFlowProblems(dcr, tables, index)),
    );
    assert.deepEqual(problems, []);
  });

  test("the checker accepts a projecting transform that matches the table", () => {
    const [demo, demoTables] = sample(
      "source | where Level > 1 | project TimeGenerated, Message = tostring(Message)",
    );
    assert.deepEqual(dataFlowProblems(demo, demoTables, 0), []);
  });

  test("the checker rejects an unknown input column", () => {
    const [demo, demoTables] = sample("source | project TimeGenerated, Message = Nope");
    assert.match(dataFlowProblems(demo, demoTables, 0).join("\n"), /KS142.*'Nope'/);
  });

  test("the checker rejects an output column the table does not have", () => {
    const [demo, demoTables] = sample("source | project-away Level | extend Extra = 1");
    assert.match(
      dataFlowProblems(demo, demoTables, 0).join("\n"),
      /output column Extra is not in table Demo_CL/,
    );
  });

  test("the checker rejects a type mismatch with the table", () => {
    const [demo, demoTables] = sample("source | project TimeGenerated, Message = Level");
    assert.match(
      dataFlowProblems(demo, demoTables, 0).join("\n"),
      /column Message is int, table Demo_CL has string/,
    );
  });

  test("the checker rejects operators and functions transformations do not support", () => {
    const [demo, demoTables] = sample("source | summarize TimeGenerated = max(TimeGenerated) by Message");
    assert.match(dataFlowProblems(demo, demoTables, 0).join("\n"), /SummarizeOperator is not allowed/);
    const [demo2, demoTables2] = sample(
      "source | project TimeGenerated, Message = replace_string(Message, 'a', 'b')",
    );
    assert.match(
      dataFlowProblems(demo2, demoTables2, 0).join("\n"),
      /function replace_string is not allowed/,
    );
  });

  test("the checker reports table columns the transform never writes", () => {
    const [demo, demoTables] = sample("source | project TimeGenerated", [
      { name: "TimeGenerated", type: "dateTime" },
      { name: "Message", type: "string" },
    ]);
    assert.match(dataFlowProblems(demo, demoTables, 0).join("\n"), /table column Message is never written/);
  });
});
