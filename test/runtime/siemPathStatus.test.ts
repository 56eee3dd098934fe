/**
 * Which path owns each SIEM type, why and since when, wherever the connector reports on itself: the
 * health rows (MimecastConnectorHealth_CL), the status route, its one-line summary, the exit table of
 * `npm start` and the local status page. The cursors are built by the hand-over functions themselves.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import type * as df from "durable-functions";
import { loadConfig } from "../../src/config";
import { ingestionStatus } from "../../src/http/control";
import type { ControlClient } from "../../src/http/control";
import { handBack, handOver, ownerCursorFrom } from "../../src/ingest/siemOwner";
import { CONNECTOR_HEALTH_STREAM } from "../../src/ingest/streams";
import { renderStatusPage } from "../../src/localhost/statusPage";
import { initialCheckpoint } from "../../src/planning/checkpoint";
import type { CheckpointState } from "../../src/planning/types";
import { cursorHealth } from "../../src/orchestrators/supervisor";
import { healthRows } from "../../src/runtime/health";
import { cycleSettingsFrom } from "../../src/runtime/cycleSettings";
import { ownerLines, summaryTable } from "../../src/runtime/statusSummary";
import type { SummaryCursor } from "../../src/runtime/statusSummary";
import { validateRow } from "../../src/sentinel/rowValidation";
import { SecretRedactor, silentLogger } from "../../src/shared/logger";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const HANDED_OVER_AT = NOW - 3 * 3600_000;
const HANDED_BACK_AT = NOW - 20 * 60_000;
const HORIZON = 2 * 3600_000;
const config = loadConfig(
  { MIMECAST_CLIENT_ID: "id", MIMECAST_CLIENT_SECRET: "secret-value-1", MIMECAST_FEEDS: "siem-cg,audit" },
  NOW,
  { redactor: new SecretRedactor() },
);
const settings = cycleSettingsFrom(config);
const siemKeys = settings.cursors.filter((c) => c.kind === "siem-day").map((c) => c.key);
const [streamKey, backKey, plainKey, newKey] = siemKeys as [string, string, string, string];

/** Stream owns one type (handed over 3 h ago), another was handed back 20 min ago, one is plain batch. */
function states(): Map<string, CheckpointState> {
  const fresh = ownerCursorFrom(undefined, HANDED_OVER_AT - 86_400_000);
  const streaming = handOver(
    fresh,
    HANDED_OVER_AT,
    HORIZON,
    "stream (auto): batch caught up and the stream answers",
  );
  const settled = { ...streaming, batch: { ...streaming.batch, owns: [] } };
  const { tailUntil: _tail, ...batchSide } = settled.batch;
  const back = handBack(
    { ...settled, batch: batchSide },
    HANDED_BACK_AT,
    HORIZON,
    "batch (auto): the stream has failed since 2026-12-01T11:30:00.000Z (HTTP 503)",
  );
  return new Map<string, CheckpointState>([
    [streamKey, { ...initialCheckpoint(streamKey), cursor: streaming }],
    [backKey, { ...initialCheckpoint(backKey), cursor: back }],
    [plainKey, { ...initialCheckpoint(plainKey), cursor: { day: "2026-12-01" } }],
  ]);
}

function hub(byKey: ReadonlyMap<string, CheckpointState>): ControlClient {
  return {
    startNew: () => Promise.reject(new Error("not used")),
    getStatus: () => Promise.reject(new Error("404 instance not found")),
    terminate: () => Promise.resolve(),
    readEntityState: <T>(id: df.EntityId) => {
      const state = byKey.get(id.key);
      return Promise.resolve(
        state ? { entityExists: true, entityState: state as T } : { entityExists: false },
      );
    },
    signalEntity: () => Promise.resolve(),
  };
}

describe("which path owns each SIEM type, why and since when", () => {
  test("health rows carry SiemPath, SiemPathReason and SiemPathSince for SIEM types only, valid for the table", () => {
    const byKey = states();
    const cursors = settings.cursors.map((c) => cursorHealth(c, byKey.get(c.key), settings, undefined, NOW));
    const rows = healthRows("supervisor", {
      cycle: 4,
      startedAt: NOW,
      finishedAt: NOW,
      unitsRun: 0,
      unitsFailed: 0,
      unitsNotStarted: 0,
      cursors,
    });
    const byCursor = new Map(rows.map((r) => [r["Cursor"], r]));
    const pick = (key: string) => {
      const r = byCursor.get(key)!;
      return [r["SiemPath"], r["SiemPathReason"], r["SiemPathSince"]];
    };
    assert.deepEqual(pick(streamKey), [
      "stream",
      "stream (auto): batch caught up and the stream answers",
      new Date(HANDED_OVER_AT).toISOString(),
    ]);
    assert.deepEqual(pick(backKey), [
      "batch",
      "batch (auto): the stream has failed since 2026-12-01T11:30:00.000Z (HTTP 503)",
      new Date(HANDED_BACK_AT).toISOString(),
    ]);
    assert.deepEqual(pick(plainKey), ["batch", "batch: by setting", undefined]);
    assert.deepEqual(pick(newKey), ["batch", "batch: history and backfill first", undefined]);
    const audit = rows.find((r) => r["Feed"] === "audit")!;
    assert.deepEqual(
      [audit["SiemPath"], audit["SiemPathReason"], audit["SiemPathSince"]],
      [undefined, undefined, undefined],
    );
    for (const row of rows)
      assert.deepEqual(validateRow(row, CONNECTOR_HEALTH_STREAM), [], String(row["Cursor"]));
  });

  test("the status route, its summary lines, the exit table and the status page show owner and reason", async () => {
    const status = await ingestionStatus({
      client: hub(states()),
      config,
      now: () => NOW,
      logger: silentLogger,
    });
    const cursors = status.body["cursors"] as (SummaryCursor & { feed: string })[];
    const byCursor = new Map(cursors.map((c) => [c.cursor, c]));
    const stream = byCursor.get(streamKey)!;
    assert.deepEqual(
      [stream.owner, stream.ownerReason, stream.ownerSince],
      [
        "stream",
        "stream (auto): batch caught up and the stream answers",
        new Date(HANDED_OVER_AT).toISOString(),
      ],
    );
    assert.equal(byCursor.get(backKey)!.owner, "batch");
    assert.equal(byCursor.get(plainKey)!.ownerReason, "batch: by setting");
    const audit = cursors.find((c) => c.feed === "audit")!;
    assert.deepEqual([audit.owner, audit.ownerReason, audit.ownerSince], [undefined, undefined, undefined]);

    const lines = status.body["summary"] as string[];
    const line = lines.find((l) => l.startsWith(`${streamKey}:`))!;
    assert.match(line, /owner: stream \(auto\): batch caught up and the stream answers/);
    assert.doesNotMatch(
      lines.find((l) => l.startsWith("audit"))!,
      /owner/,
    );

    // npm start's exit output: the table stays narrow; one line per SIEM type below it names the owner.
    assert.doesNotMatch(summaryTable(cursors), /owner/);
    const owners = ownerLines(cursors);
    assert.equal(owners.length, 1 + siemKeys.length);
    assert.match(
      owners.find((l) => l.includes(streamKey))!,
      new RegExp(
        `^  ${streamKey} +stream \\(auto\\): batch caught up and the stream answers \\(since 2026-12-01T09:00Z\\)$`,
      ),
    );
    assert.match(
      owners.find((l) => l.includes(backKey))!,
      /batch \(auto\): the stream has failed since .* \(since 2026-12-01T11:40Z\)$/,
    );
    assert.deepEqual(ownerLines([audit]), [], "no SIEM types, no owner lines");

    const page = renderStatusPage(status.body, []);
    assert.ok(
      page.includes(
        `<td class="why">stream (auto): batch caught up and the stream answers (since ${new Date(HANDED_OVER_AT).toISOString()})</td>`,
      ),
      "page: reason and since",
    );
    assert.ok(page.includes(`<td>${streamKey}</td><td>stream</td>`), "page: the owner column names the path");
  });
});
