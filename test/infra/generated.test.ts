import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { FEEDS } from "../../src/feeds";
import { allTableStreams, CONNECTOR_HEALTH_TABLE, DEAD_LETTER_TABLE } from "../../src/ingest/streams";
import { generateInfra, staleInfraFiles } from "../../scripts/gen-infra";
import {
  DCR_LIMITS,
  generateDcr,
  generateDcrs,
  generateTables,
  tableEntries,
} from "../../scripts/infra/tables";
import type { GeneratedDcr, GeneratedTable } from "../../scripts/infra/tables";

/** dist/test/infra → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");

const generated = generateInfra();
const dcrs = generated.dcr as GeneratedDcr[];
/** Each table's stream in the DCR that holds it (the health stream: in DCR 1, where the app sends it). */
const dcrOf = (table: string): GeneratedDcr => dcrs.find((dcr) => dcr.tables.includes(table))!;
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

  test("every table the connector writes has one table, and one stream and data flow in exactly one DCR (health: in every DCR)", () => {
    const expected = [...new Set(allTableStreams(FEEDS).map((entry) => entry.table))];
    assert.ok(expected.includes(DEAD_LETTER_TABLE) && expected.includes(CONNECTOR_HEALTH_TABLE));
    assert.deepEqual(
      tables.map((table) => table.name),
      expected,
    );
    for (const table of expected) {
      const holders = dcrs.filter((dcr) => dcr.tables.includes(table)).map((dcr) => dcr.index);
      assert.deepEqual(
        holders,
        table === CONNECTOR_HEALTH_TABLE ? dcrs.map((d) => d.index) : [holders[0]],
        table,
      );
    }
    for (const dcr of dcrs) {
      assert.deepEqual(
        Object.keys(dcr.properties.streamDeclarations),
        dcr.tables.map((table) => `Custom-${table}`),
      );
      assert.deepEqual(
        dcr.properties.dataFlows.map((flow) => flow.outputStream),
        dcr.tables.map((table) => `Custom-${table}`),
      );
    }
  });

  test("every DCR holds at most 10 stream declarations and 10 data flows (Azure Monitor's limit)", () => {
    assert.ok(dcrs.length > 1, "17 tables cannot fit one DCR");
    for (const dcr of dcrs) {
      assert.ok(Object.keys(dcr.properties.streamDeclarations).length <= DCR_LIMITS.streamDeclarations);
      assert.ok(dcr.properties.dataFlows.length <= DCR_LIMITS.dataFlows);
    }
  });

  test("feeds added to the registry are placed automatically: more DCRs, none over the limit, none moved", () => {
    const more = Array.from({ length: 25 }, (_, i) => ({
      ...FEEDS[2]!,
      id: `extra-${i}`,
      defaultTable: `Extra${i}_CL`,
    }));
    const grown = generateDcrs(tableEntries([...FEEDS, ...(more as unknown as typeof FEEDS)]));
    for (const dcr of grown) {
      assert.ok(dcr.tables.length <= DCR_LIMITS.streamDeclarations, `DCR ${dcr.index}: ${dcr.tables.length}`);
      assert.equal(dcr.properties.dataFlows.length, dcr.tables.length);
    }
    const placed = grown.flatMap((dcr) => dcr.tables).filter((t) => t !== CONNECTOR_HEALTH_TABLE);
    assert.equal(placed.length, new Set(placed).size);
    assert.equal(placed.length, allTableStreams(FEEDS).length - 1 + more.length);
    // Existing tables keep their DCR.
    for (const dcr of dcrs)
      assert.deepEqual(grown[dcr.index - 1]!.tables.slice(0, dcr.tables.length), dcr.tables);
  });

  test("stream declarations carry each feed's columns and every flow lands in the one workspace destination", () => {
    for (const { table, stream } of allTableStreams(FEEDS)) {
      assert.deepEqual(
        dcrOf(table).properties.streamDeclarations[`Custom-${table}`]?.columns,
        stream.columns.map(({ name, type }) => ({ name, type })),
      );
    }
    for (const { properties } of dcrs) {
      assert.equal(properties.destinations.logAnalytics.length, 1);
      const destination = properties.destinations.logAnalytics[0]!;
      assert.equal(destination.workspaceResourceId, "[variables('workspaceResourceId')]");
      for (const flow of properties.dataFlows) assert.deepEqual(flow.destinations, [destination.name]);
    }
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
    walk([dcrs, tables]);
    assert.deepEqual(
      [...new Set(strings.filter((s) => s.startsWith("[")))],
      ["[variables('workspaceResourceId')]"],
    );
  });
});
