import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { mapRecord } from "../../src/feeds/mapping";
import { listContent, readContent, repoRoot } from "../helpers/kusto-content";
import { contentTables, contentWorkspace, parserManifest } from "./workspace";
import type { Mimecast31ColumnType } from "./mimecast31Columns";
import { KQL_TYPE_31, MIMECAST_31_TABLE_READS } from "./mimecast31Columns";

/**
 * Where a 3.x column's value comes from in the Mimecast record, by the 3.x conventions alone (research §2–§7),
 * not by our column specs: the Gen B renames, the Data Collector suffixes (`email_s` ← `email`) and its
 * flattening (`tagMap_A_B_C` ← `tagMap.A.B.C`; the table's `tagMap_ContentCheck_*` live under DangerousFileExt).
 */
function rawPath(column: string): string[] {
  const renames: Record<string, string> = {
    Logtype: "type",
    offset: "_offset",
    partition: "_partition",
    type_: "type",
    Date: "date",
  };
  if (renames[column]) return [renames[column]];
  const suffixed = /^([A-Za-z]+)_[sdbt]$/.exec(column);
  if (suffixed) return [suffixed[1]!];
  if (column.startsWith("tagMap_ContentCheck_")) {
    return ["tagMap", "DangerousFileExt", "ContentCheck", column.slice("tagMap_ContentCheck_".length)];
  }
  if (column.startsWith("tagMap_") || column.startsWith("advancedPhishingResult_")) return column.split("_");
  return [column];
}

const SAMPLE: Record<Mimecast31ColumnType, unknown> = {
  string: "sample",
  real: 3,
  boolean: true,
  datetime: "2026-12-01T10:00:00+0000",
  dynamic: ["sample"],
};

/** A record carrying a value for every field the 3.x parser's columns come from. */
function recordFor(reads: Readonly<Record<string, Mimecast31ColumnType>>): Record<string, unknown> {
  const record: Record<string, unknown> = {
    // What every feed needs to map at all: its time fields (overwritten below where the 3.x table has them).
    timestamp: 1_764_583_200_000,
    type: "receipt",
    date: "2026-12-01T10:00:00+0000",
    eventTime: "2026-12-01T10:00:00+0000",
    SnapshotId: "snapshot",
    campaignId: "campaign",
    SnapshotTime: "2026-12-01T10:00:00Z",
  };
  for (const [column, type] of Object.entries(reads)) {
    const path = rawPath(column);
    let target = record;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1]!;
    // A suffixed copy takes its source's value: keep whatever the unsuffixed column already put there.
    if (!(leaf in target) || path.length > 1)
      target[leaf] ??= SAMPLE[/_[sdbt]$/.test(column) ? "string" : type];
  }
  return record;
}

describe("Mimecast 3.x content on our tables (column superset of the 3.x tables)", () => {
  const tables = new Map(
    contentTables().map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c.type]))]),
  );
  const manifest = parserManifest();

  it("covers every 3.x parser we ship under the same function name", () => {
    // Parsers of the newer logs (rejections, view logs, remediation, threat events) have no 3.x counterpart.
    const newer = new Set([
      "MimecastRejections",
      "MimecastArchiveViewLogs",
      "MimecastRemediationIncidents",
      "MimecastThreatEvents",
    ]);
    assert.deepEqual(
      Object.keys(MIMECAST_31_TABLE_READS).sort(),
      manifest.parsers
        .map((p) => p.functionName)
        .filter((name) => !newer.has(name))
        .sort(),
    );
  });

  for (const [parser, facts] of Object.entries(MIMECAST_31_TABLE_READS)) {
    it(`${facts.table}: every column the 3.x ${parser} parser reads exists, same name, case and type`, () => {
      const columns = tables.get(facts.table);
      assert.ok(columns, `no table ${facts.table}`);
      const wrong = Object.entries(facts.reads)
        .filter(([name, type]) => columns.get(name) !== KQL_TYPE_31[type])
        .map(([name, type]) => `${name}: expected ${type}, got ${columns.get(name) ?? "missing"}`);
      assert.deepEqual(wrong, []);
    });

    it(`${facts.table}: a record with those fields fills every one of those columns`, () => {
      const feed = FEEDS.find((f) => f.defaultTable === facts.table)!;
      const mapped = mapRecord(feed, recordFor(facts.reads));
      assert.equal(mapped.kind, "row", JSON.stringify(mapped));
      if (mapped.kind !== "row") return;
      const empty = Object.keys(facts.reads).filter((name) => {
        const value = mapped.row[name];
        return value === undefined || value === null || value === "";
      });
      assert.deepEqual(empty, []);
    });
  }

  it("keeps the values the 3.x content filters on: Logtype labels, eventInfo text", () => {
    const cg = FEEDS.find((f) => f.id === "siem-cg")!;
    const row = mapRecord(cg, { timestamp: 1_764_583_200_000, type: "attachment protect" });
    assert.equal(row.kind === "row" && row.row["Logtype"], "email_ttp_ap");
    const audit = FEEDS.find((f) => f.id === "audit")!;
    const info = "Failed authentication for a@b.c, IP: 203.0.113.9, Application: Administration Console";
    const auditRow = mapRecord(audit, { id: "x", eventTime: "2026-12-01T10:00:00+0000", eventInfo: info });
    assert.equal(auditRow.kind === "row" && auditRow.row["eventInfo"], info);
  });

  it("the flattened tagMap columns also read keys that contain an underscore", () => {
    const feed = FEEDS.find((f) => f.id === "ttp-url")!;
    const mapped = mapRecord(feed, {
      date: "2026-12-01T10:00:00+0000",
      tagMap: {
        DangerousFileExt: { Inspect_FileExts: ["exe"] },
        UrlReputationScan: { Status: "VerdictBlock" },
      },
    });
    assert.equal(mapped.kind, "row");
    if (mapped.kind !== "row") return;
    assert.equal(mapped.row["tagMap_DangerousFileExt_Inspect_FileExts"], '["exe"]');
    assert.equal(mapped.row["tagMap_UrlReputationScan_Status"], "VerdictBlock");
    assert.equal(mapped.row["tagMap_AvScanning_ContentCheck_AvSignatureName"], undefined);
  });

  it("our parsers return strings where the 3.x TTP workbook groups by them (was KS116 on dynamic)", () => {
    const workspace = contentWorkspace();
    for (const query of [
      "MimecastTTPUrl | summarize count() by Actions",
      "MimecastTTPImpersonation | summarize count() by ['Impersonation Results']",
      "MimecastTTPImpersonation | summarize count() by Identifiers",
      "MimecastCloudIntegrated | summarize count() by Tags, ['Policies Applied']",
    ]) {
      assert.deepEqual(workspace.analyze(query).errors, [], query);
    }
    // The check can fail: grouping by a dynamic column is KS116.
    assert.equal(
      workspace.analyze("MimecastTTPUrl | summarize count() by ['Email Parts Description']").errors[0]?.code,
      "KS116",
    );
  });
});

describe("threat intelligence content", () => {
  it("queries ThreatIntelIndicators/ThreatIntelObjects, never the retired ThreatIntelligenceIndicator table", () => {
    const files = [
      ...listContent("parsers", ".kql").map((f) => ["parsers", f]),
      ...listContent("analyticRules", ".yaml").map((f) => ["analyticRules", f]),
      ...listContent("workbooks", ".json").map((f) => ["workbooks", f]),
    ];
    for (const [dir, file] of files) {
      assert.ok(!/ThreatIntelligenceIndicator\b/.test(readContent(dir!, file!)), `${dir}/${file}`);
    }
    const docs = readFileSync(join(repoRoot(), "docs", "content.md"), "utf8");
    assert.match(docs, /ThreatIntelIndicators\s*\n?\s*\| where SourceSystem == "Mimecast"/);
  });
});
