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
import { SecretRedactor } from "../../src/shared/logger";

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
