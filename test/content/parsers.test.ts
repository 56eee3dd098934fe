import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FEEDS } from "../../src/feeds";
import { SNAPSHOT_TABLE } from "../../src/ingest/streams";
import {
  CONTENT_DIR,
  KustoWorkspace,
  describeErrors,
  listContent,
  readContent,
} from "../helpers/kusto-content";
import { MIMECAST_31_PARSER_COLUMNS } from "./mimecast31Columns";
import { contentTables, contentWorkspace, parserManifest, tablesWorkspace } from "./workspace";

const manifest = parserManifest();
/** Parsers of feeds the 3.1 solution never had (no 3.1 name to keep). */
const NEWER_LOG_PARSERS = [
  "MimecastRejections",
  "MimecastArchiveViewLogs",
  "MimecastRemediationIncidents",
  "MimecastThreatEvents",
];
const tables = tablesWorkspace();

describe("parser manifest", () => {
  it("lists every .kql file in content/parsers exactly once, and every listed file exists", () => {
    const listed = manifest.parsers.map((p) => p.file).sort();
    assert.deepEqual(listed, listContent("parsers", ".kql"));
    for (const p of manifest.parsers) assert.ok(existsSync(join(CONTENT_DIR(), "parsers", p.file)), p.file);
  });

  it("names the functions exactly as the Mimecast 3.1 solution does, plus the newer logs' own", () => {
    assert.deepEqual(
      manifest.parsers.map((p) => p.functionName).sort(),
      [...Object.keys(MIMECAST_31_PARSER_COLUMNS), ...NEWER_LOG_PARSERS].sort(),
    );
  });

  it("maps each parser to a table the connector writes, under the feed's default table name", () => {
    const tableNames = new Set(contentTables().map((t) => t.name));
    for (const p of manifest.parsers) {
      assert.ok(tableNames.has(p.table), `${p.functionName}: unknown table ${p.table}`);
      const feed = FEEDS.find((f) => f.id === p.feed);
      assert.ok(feed, `${p.functionName}: feed ${p.feed} is not in the registry`);
      assert.equal(feed.defaultTable, p.table, `${p.functionName}: feed ${p.feed}`);
    }
  });
});

describe("parsers", () => {
  for (const parser of manifest.parsers) {
    describe(parser.functionName, () => {
      const body = readContent("parsers", parser.file);

      it("parses and type-checks against the connector's table schemas", () => {
        const { errors } = tables.analyze(body);
        assert.deepEqual(errors, [], describeErrors(errors));
      });

      it("returns every column the Mimecast 3.1 parser returns", () => {
        const names = new Set(tables.analyze(body).columns.map((c) => c.name));
        const missing = (MIMECAST_31_PARSER_COLUMNS[parser.functionName] ?? []).filter((c) => !names.has(c));
        assert.deepEqual(missing, []);
      });

      it("returns one row per EventId without grouping by every column", () => {
        const dedup = body.match(/\|\s*summarize\s+arg_(?:min|max)\((\w+), \*\) by ([^\n]+)/);
        assert.ok(dedup, "a summarize arg_min/arg_max(…, *) by … line");
        assert.match(dedup[2]!, /^(DedupKey = iff\(isnotempty\(EventId\), EventId, .+\)|EventId)$/);
      });

      if (FEEDS.find((f) => f.id === parser.feed)?.source === "snapshot") {
        it("reads the latest COMPLETE snapshot of its feed from MimecastSnapshots_CL, not the data table's newest", () => {
          const latest = /^let LatestSnapshot = toscalar\(([\s\S]*?)\);$/m.exec(body);
          assert.ok(latest, "a `let LatestSnapshot = toscalar(…);` statement");
          const query = latest[1]!;
          assert.match(query, new RegExp(`^\\s*${SNAPSHOT_TABLE}\\s*\\|\\s*where Feed == "${parser.feed}"`));
          assert.ok(!query.includes("MimecastSource"), "the data table has half-written snapshots");
          assert.match(body, /^\| where SnapshotId == LatestSnapshot$/m);
        });
      }

      it("names its table once, on the `let MimecastSource` line users edit after renaming a table", () => {
        assert.match(body, new RegExp(`^let MimecastSource = ${parser.table};$`, "m"));
        const mentions = body.split(parser.table).length - 1;
        // Once in the let, once in the header comment.
        assert.equal(mentions, 2);
      });

      it("still type-checks when the table is renamed on that line", () => {
        const renamed = "Renamed_CL";
        const source = contentTables().find((t) => t.name === parser.table)!;
        const withRenamed = new KustoWorkspace([
          ...contentTables().filter((t) => t.name !== parser.table),
          { ...source, name: renamed },
        ]);
        const edited = body.replace(
          `let MimecastSource = ${parser.table};`,
          `let MimecastSource = ${renamed};`,
        );
        assert.deepEqual(withRenamed.analyze(edited).errors, []);
        assert.notDeepEqual(withRenamed.analyze(body).errors, [], "the unedited parser names the old table");
      });
    });
  }

  it("the analyzer catches what these checks rely on: a misspelled column is an error", () => {
    const body = readContent("parsers", "MimecastDLP.kql").replace("senderAddress,", "senderAdress,");
    const { errors } = tables.analyze(body);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, "KS142");
    assert.match(errors[0]!.message, /senderAdress/);
  });

  it("the analyzer catches an unknown table", () => {
    const { errors } = tables.analyze("Seg_Cg_Typo_CL | take 1");
    assert.equal(errors[0]?.code, "KS204");
  });

  it("queries resolve the parsers as saved functions, with their output columns", () => {
    const workspace = contentWorkspace();
    const ok = workspace.analyze(
      "MimecastCG | where Type == 'email_antivirus' | project ['Sender Envelope']",
    );
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.columns, [{ name: "Sender Envelope", type: "string" }]);
    const bad = workspace.analyze("MimecastCG | where ['Sender Envelop'] != ''");
    assert.equal(bad.errors[0]?.code, "KS142");
  });
});
