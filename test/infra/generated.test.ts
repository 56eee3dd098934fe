import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { FEEDS } from "../../src/feeds";
import { allTableStreams, CONNECTOR_HEALTH_TABLE, DEAD_LETTER_TABLE } from "../../src/ingest/streams";
import { generateInfra, staleInfraFiles } from "../../scripts/gen-infra";
import { generateDcr, generateTables, tableEntries } from "../../scripts/infra/tables";
import type { GeneratedDcrProperties, GeneratedTable } from "../../scripts/infra/tables";

/** dist/test/infra → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");

const generated = generateInfra();
const dcr = generated.dcr as GeneratedDcrProperties;
const tables = generated.tables as GeneratedTable[];

describe("infra generated from the feed registry", () => {
  test("committed infra files are up to date with the feed registry", async () => {
    const stale = await staleInfraFiles(REPO_ROOT);
    assert.deepEqual(
      stale,
      [],
      `stale generated infra: ${stale.join(", ")} — run \`npm run gen:infra\` and commit`,
    );
  });

  test("every table the connector writes has one table, one stream and one data flow", () => {
    const expected = [...new Set(allTableStreams(FEEDS).map((entry) => entry.table))];
    assert.ok(expected.includes(DEAD_LETTER_TABLE) && expected.includes(CONNECTOR_HEALTH_TABLE));
    assert.deepEqual(
      tables.map((table) => table.name),
      expected,
    );
    assert.deepEqual(
      Object.keys(dcr.streamDeclarations),
      expected.map((table) => `Custom-${table}`),
    );
    assert.deepEqual(
      dcr.dataFlows.map((flow) => flow.outputStream),
      expected.map((table) => `Custom-${table}`),
    );
  });

  test("stream declarations carry each feed's columns and every flow lands in the one workspace destination", () => {
    for (const { table, stream } of allTableStreams(FEEDS)) {
      assert.deepEqual(
        dcr.streamDeclarations[`Custom-${table}`]?.columns,
        stream.columns.map(({ name, type }) => ({ name, type })),
      );
    }
    assert.equal(dcr.destinations.logAnalytics.length, 1);
    const destination = dcr.destinations.logAnalytics[0]!;
    assert.equal(destination.workspaceResourceId, "[variables('workspaceResourceId')]");
    for (const flow of dcr.dataFlows) assert.deepEqual(flow.destinations, [destination.name]);
  });

  test("table schemas use the tables API's type names", () => {
    const seg = tables.find((table) => table.name === "Seg_Cg_CL");
    const types = new Set(tables.flatMap((table) => table.properties.schema.columns.map((c) => c.type)));
    assert.ok(
      seg?.properties.schema.columns.some((c) => c.name === "TimeGenerated" && c.type === "dateTime"),
    );
    assert.ok(!types.has("datetime"));
    for (const type of types)
      assert.ok(
        ["string", "int", "long", "real", "boolean", "dateTime", "dynamic", "guid"].includes(type),
        type,
      );
  });

  test("feeds sharing a table share one stream and one data flow", () => {
    const [first, second] = FEEDS;
    const twin = {
      ...second!,
      id: "siem-v1" as const,
      defaultTable: first!.defaultTable,
      columns: first!.columns,
    };
    const entries = tableEntries([first!, twin]);
    assert.deepEqual(entries[0]?.feedIds, [first!.id, "siem-v1"]);
    assert.equal(generateDcr(entries).dataFlows.length, 4); // the shared table + dead letter + health + snapshots
    assert.equal(generateTables(entries).length, 4);
  });

  test("feeds sharing a table with different columns are refused", () => {
    const [first, second] = FEEDS;
    const clash = { ...second!, defaultTable: first!.defaultTable };
    assert.throws(() => tableEntries([first!, clash]), /share table Seg_Cg_CL but declare different columns/);
  });

  test("no generated value could be mistaken for an ARM expression except the workspace reference", () => {
    const strings: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === "string") strings.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
    };
    walk([dcr, tables]);
    assert.deepEqual(
      strings.filter((s) => s.startsWith("[")),
      ["[variables('workspaceResourceId')]"],
    );
  });
});
