/**
 * The app side of the DCR split: MIMECAST_DCR_ROUTES says which DCR holds each table's stream; uploads go
 * to that DCR, and doctor probes every DCR.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { loadConfig } from "../../src/config";
import { allDcrs, dcrFor, parseDcrRoutes } from "../../src/config/dcrRoutes";
import { probeSinks } from "../../src/doctor/sinkProbe";
import { CONNECTOR_HEALTH_STREAM } from "../../src/ingest/streams";
import { RoutedSink } from "../../src/sentinel/routedSink";
import type { Sink, UploadOutcome } from "../../src/sentinel/sink";
import { SecretRedactor, silentLogger } from "../../src/shared/logger";
import { ingestionStatus } from "../../src/http/control";
import type { ControlClient } from "../../src/http/control";
import { renderStatusPage } from "../../src/localhost/statusPage";
import { evaluate } from "./arm";
import { appEnvironment, template } from "./appEnvironment";

const DEFAULT = `dcr-${"a".repeat(32)}`;
const SECOND = `dcr-${"b".repeat(32)}`;
const NOW = Date.parse("2026-12-01T00:00:00Z");
const ENV = {
  MIMECAST_CLIENT_ID: "id",
  MIMECAST_CLIENT_SECRET: "secret-value-1",
  MIMECAST_DCE_ENDPOINT: "https://dce.example.ingest.monitor.azure.com",
  MIMECAST_DCR_IMMUTABLE_ID: DEFAULT,
  MIMECAST_DCR_ROUTES: `Audit_CL=${SECOND}, Renamed_CL=${SECOND}`,
};

/** A sink that records which streams reached it and accepts (or refuses) everything. */
function recordingSink(log: string[], ruleId: string, refuse = false): Sink {
  return {
    upload: (stream, rows): Promise<UploadOutcome> => {
      log.push(`${ruleId} ${stream.streamName}`);
      return Promise.resolve(
        refuse
          ? {
              accepted: 0,
              failed: [
                {
                  firstIndex: 0,
                  count: rows.length,
                  code: "forbidden",
                  status: 403,
                  retryable: false,
                  message: "403",
                },
              ],
            }
          : { accepted: rows.length, failed: [] },
      ) as Promise<UploadOutcome>;
    },
  };
}

describe("DCR routing", () => {
  test("MIMECAST_DCR_ROUTES parses table=immutable-id pairs and names what is wrong", () => {
    const parsed = parseDcrRoutes(`Seg_Cg_CL=${DEFAULT},Audit_CL=${SECOND}`);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, { Seg_Cg_CL: DEFAULT, Audit_CL: SECOND });
    const badId = parseDcrRoutes("Audit_CL=/subscriptions/x/dataCollectionRules/y");
    assert.ok(!badId.ok && /not a DCR immutable id/.test(badId.problem));
    const badTable = parseDcrRoutes(`Audit=${SECOND}`);
    assert.ok(!badTable.ok && /ending in _CL/.test(badTable.problem));
    assert.throws(
      () =>
        loadConfig({ ...ENV, MIMECAST_DCR_ROUTES: "Audit_CL=nope" }, NOW, { redactor: new SecretRedactor() }),
      /MIMECAST_DCR_ROUTES/,
    );
  });

  test("each stream goes to the DCR that declares it; unlisted tables to the default DCR", async () => {
    const config = loadConfig(ENV, NOW, { redactor: new SecretRedactor() });
    assert.equal(config.sink.kind, "logs-ingestion");
    if (config.sink.kind !== "logs-ingestion") return;
    const target = config.sink;
    assert.equal(dcrFor(target, "Custom-Audit_CL"), SECOND);
    assert.equal(dcrFor(target, "Custom-Renamed_CL"), SECOND);
    assert.equal(dcrFor(target, "Custom-Seg_Cg_CL"), DEFAULT);
    assert.deepEqual(allDcrs(target), [DEFAULT, SECOND]);

    const log: string[] = [];
    const built: string[] = [];
    const sink = new RoutedSink(
      (stream) => dcrFor(target, stream),
      (ruleId) => {
        built.push(ruleId);
        return recordingSink(log, ruleId);
      },
    );
    for (const table of ["Audit_CL", "Seg_Cg_CL", "Audit_CL", "MimecastDeadLetter_CL"]) {
      await sink.upload({ streamName: `Custom-${table}`, columns: [] }, [{ TimeGenerated: "x" }]);
    }
    assert.deepEqual(log, [
      `${SECOND} Custom-Audit_CL`,
      `${DEFAULT} Custom-Seg_Cg_CL`,
      `${SECOND} Custom-Audit_CL`,
      `${DEFAULT} Custom-MimecastDeadLetter_CL`,
    ]);
    assert.deepEqual(built, [SECOND, DEFAULT], "one sink per DCR");
  });

  test("doctor probes every DCR with a health row and names the one that refuses", async () => {
    const config = loadConfig(ENV, NOW, { redactor: new SecretRedactor() });
    const log: string[] = [];
    const checks = await probeSinks(config, (ruleId) => recordingSink(log, ruleId, ruleId === SECOND), NOW);
    assert.deepEqual(log, [
      `${DEFAULT} ${CONNECTOR_HEALTH_STREAM.streamName}`,
      `${SECOND} ${CONNECTOR_HEALTH_STREAM.streamName}`,
    ]);
    assert.deepEqual(
      checks.map((c) => [c.name, c.status]),
      [
        ["sentinel dcr", "ok"],
        [`sentinel dcr ${SECOND}`, "fail"],
      ],
    );
    assert.match(
      checks[1]!.detail,
      new RegExp(`Monitoring Metrics Publisher on the DCR ${SECOND}.*Audit_CL, Renamed_CL`),
    );
  });
});

/** A task hub with nothing in it: no supervisor yet, no checkpoints, no backfills. */
const emptyHub: ControlClient = {
  startNew: () => Promise.reject(new Error("not used")),
  getStatus: () => Promise.reject(new Error("404 instance not found")),
  terminate: () => Promise.resolve(),
  readEntityState: () => Promise.resolve({ entityExists: false }),
  signalEntity: () => Promise.resolve(),
};

describe("the status route names each feed's table and the DCR holding its stream", () => {
  // Renames move a table's stream name, not its DCR: the template keys routes by the renamed table.
  const parameters = {
    workspaceName: "sentinel-ws",
    mimecastClientId: "client-id",
    tableNames: { Ttp_Url_CL: "MimecastTTPUrl_CL", MimecastRejections_CL: "Rejected_CL" },
  };
  // Stand-in immutable ids, one per DCR the template builds (Azure assigns the real ones).
  const dcrs = template.resources.filter((r) => r.type === "Microsoft.Insights/dataCollectionRules");
  const nameVariable = (resource: (typeof dcrs)[number]): string =>
    /variables\('(\w+)'\)/.exec(String(resource.name))![1]!;
  const idOf = (variable: string): string =>
    `dcr-${(dcrs.findIndex((r) => nameVariable(r) === variable) + 1).toString(16).repeat(32)}`;
  const reference = (text: string): { immutableId: string } | undefined => {
    const dcr = /dataCollectionRules', variables\('(\w+)'\)/.exec(text);
    return dcr ? { immutableId: idOf(dcr[1]!) } : undefined;
  };
  /** Oracle: the DCR resource whose data flows carry `Custom-<table>`, from the template as Azure reads it. */
  const templateDcrFor = (table: string): string[] =>
    dcrs
      .filter((r) =>
        (r.properties!["dataFlows"] as { streams: string[] }[]).some((flow) =>
          flow.streams.some((stream) => evaluate(stream, template, parameters) === `Custom-${table}`),
        ),
      )
      .map((r) => idOf(nameVariable(r)));

  test("every cursor's DCR is the one the template's data flows send its table through", async () => {
    assert.ok(dcrs.length > 1, "the tables are spread over several DCRs");
    const config = loadConfig(appEnvironment(parameters, reference), NOW, { redactor: new SecretRedactor() });
    const status = await ingestionStatus({ client: emptyHub, config, now: () => NOW, logger: silentLogger });
    const cursors = status.body["cursors"] as { feed: string; table?: string; dcr?: string }[];
    assert.ok(cursors.length > 10);
    for (const cursor of cursors) {
      assert.ok(cursor.table, `${cursor.feed}: a table`);
      assert.deepEqual([cursor.dcr], templateDcrFor(cursor.table), `${cursor.feed} → ${cursor.table}`);
    }
    const byFeed = new Map(cursors.map((c) => [c.feed, c]));
    assert.equal(byFeed.get("ttp-url")?.table, "MimecastTTPUrl_CL");
    assert.equal(byFeed.get("rejections")?.table, "Rejected_CL");
    assert.equal(new Set(cursors.map((c) => c.dcr)).size, dcrs.length, "every DCR serves some feed");
    // The local status page shows the same route in each cursor's row.
    const page = renderStatusPage(status.body, []);
    const row = byFeed.get("rejections")!;
    assert.ok(page.includes(`<td class="route">Rejected_CL → ${row.dcr}</td>`), "page shows table → DCR");
  });

  test("with the local sink a cursor names its table and no DCR", async () => {
    const config = loadConfig({ MIMECAST_CLIENT_ID: "id", MIMECAST_CLIENT_SECRET: "secret-value-1" }, NOW, {
      redactor: new SecretRedactor(),
    });
    assert.equal(config.sink.kind, "local");
    const status = await ingestionStatus({ client: emptyHub, config, now: () => NOW, logger: silentLogger });
    const audit = (status.body["cursors"] as { feed: string; table?: string; dcr?: string }[]).find(
      (c) => c.feed === "audit",
    );
    assert.deepEqual([audit?.table, audit?.dcr], ["Audit_CL", undefined]);
    assert.ok(renderStatusPage(status.body, []).includes('<td class="route">Audit_CL</td>'));
  });
});
