import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { PROBE_STATUS } from "../../src/doctor";
import { CONNECTOR_HEALTH_TABLE } from "../../src/ingest/streams";
import { listContent, readContent } from "../helpers/kusto-content";

/** Every string value named `query` anywhere in a JSON document. */
function queriesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(queriesIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === "query" && typeof v === "string" ? [v] : queriesIn(v),
  );
}

const excludesProbe = (query: string): boolean => query.includes(`where Status != "${PROBE_STATUS}"`);

describe("doctor's probe row never reaches health alerts or the workbook", () => {
  test("every analytic rule over the health table filters out the probe row", () => {
    const rules = listContent("analyticRules", ".yaml")
      .map((file) => parse(readContent("analyticRules", file)) as { name: string; query: string })
      .filter((rule) => rule.query.includes(CONNECTOR_HEALTH_TABLE));
    assert.ok(rules.length > 0);
    for (const rule of rules) assert.ok(excludesProbe(rule.query), rule.name);
  });

  test("every workbook query over the health table filters out the probe row", () => {
    const queries = queriesIn(JSON.parse(readContent("workbooks", "mimecast-sentinel.json"))).filter((q) =>
      q.includes(CONNECTOR_HEALTH_TABLE),
    );
    assert.ok(queries.length > 0);
    for (const query of queries) assert.ok(excludesProbe(query), query);
  });
});
