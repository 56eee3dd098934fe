/**
 * Regression test for dc5bb12: a crash between storing a window's digest and the checkpoint that
 * schedules its sweep made the sweep run without a digest and send the whole window again. The
 * orchestrator signals both; whatever prefix of its signals a crash lets through, a recorded window
 * that will be swept must already have its digest.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { encodeDigest } from "../../src/ingest/digest";
import { zeroCounts } from "../../src/ingest/types";
import { FUNCTIONS } from "../../src/orchestrators/names";
import type { CheckpointState, CursorDescriptor, CycleSettings, WorkUnit } from "../../src/planning/types";
import type { Action } from "../helpers/durableHarness";
import { ActionType } from "../helpers/durableHarness";
import type { replay } from "../helpers/durableHarness";
import { captureRegistrations } from "../helpers/registrations";
import type { Response } from "../orchestrators/driver";
import { driveToEnd } from "../orchestrators/driver";

const registrations = captureRegistrations(path.resolve(__dirname, "../../src/index.js"));
const supervisor = registrations.find((r) => r.name === FUNCTIONS.supervisor)!.options[
  "handler"
] as Parameters<typeof replay>[0];

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const HOUR = 3_600_000;
const dlp: CursorDescriptor = {
  key: "dlp",
  feedId: "dlp",
  kind: "time-window",
  maxWindowMs: 24 * HOUR,
  retentionDays: 90,
  lagMs: 60_000,
  lateHorizonMs: 2 * HOUR,
};
const settings: CycleSettings = {
  cursors: [dlp],
  startTimeMs: NOW - 3 * HOUR,
  schedule: "0 */5 * * * *",
  maxParallel: 4,
  maxPerFeed: 2,
  maxBackfillWindowsPerCycle: 8,
  maxContinuationsPerCycle: 10,
};

describe("digest before checkpoint (dc5bb12)", () => {
  it("every window recorded for a sweep has its digest stored by an earlier signal", async () => {
    const states = new Map<string, CheckpointState>();
    const digests = new Map<string, unknown>();
    /** Signals in the order the orchestrator sent them: what a crash cuts at any point. */
    const signals: { entity: string; operation: string; input: unknown }[] = [];
    const entityOf = (action: Action): string => action.instanceId ?? "";
    const respond = (action: Action): Response => {
      if (action.functionName === FUNCTIONS.readCycleSettings) return { complete: settings };
      if (action.actionType === ActionType.CallEntity) {
        const entity = entityOf(action);
        if (entity.startsWith(`@${FUNCTIONS.digest.toLowerCase()}@`))
          return { complete: digests.get(entity) ?? null };
        const key = entity.split("@")[2] ?? "";
        const { state, reply } = applyCheckpointOperation(
          key,
          states.get(key),
          action.operation ?? "",
          action.input,
        );
        if (state) states.set(key, state);
        return { complete: reply };
      }
      if (action.functionName === FUNCTIONS.ingestUnit) {
        const unit = (action.input as { unit: WorkUnit }).unit;
        const collect = unit.kind === "time-window" && unit.collectDigest === true;
        return {
          complete: {
            kind: "completed",
            counts: { ...zeroCounts(), fetched: 3, ingested: 3 },
            resume: {},
            ...(collect ? { digest: encodeDigest([1, 2, 3]) } : {}),
          },
        };
      }
      if (action.functionName === FUNCTIONS.writeHealth) return { complete: { written: 1 } };
      throw new Error(`unexpected action ${JSON.stringify(action)}`);
    };
    await driveToEnd(supervisor, FUNCTIONS.supervisor, { cycle: 0, maxCycles: 1 }, NOW, respond, 400, (a) => {
      const entity = entityOf(a);
      signals.push({ entity, operation: a.operation ?? "", input: a.input });
      if (entity.startsWith(`@${FUNCTIONS.digest.toLowerCase()}@`)) {
        if (a.operation === "add") digests.set(entity, a.input);
        if (a.operation === "delete") digests.delete(entity);
        return;
      }
      const key = entity.split("@")[2] ?? "";
      const { state } = applyCheckpointOperation(key, states.get(key), a.operation ?? "", a.input);
      if (state) states.set(key, state);
    });

    let swept = 0;
    signals.forEach((signal, index) => {
      if (signal.operation !== "record") return;
      const unit = (signal.input as { unit: WorkUnit }).unit;
      if (unit.kind !== "time-window" || unit.collectDigest !== true) return;
      swept += 1;
      const digest = `@${FUNCTIONS.digest.toLowerCase()}@${unit.key}@${unit.from}`;
      const stored = signals.slice(0, index).some((s) => s.entity === digest && s.operation === "add");
      assert.ok(stored, `window ${new Date(unit.from).toISOString()} recorded before its digest was stored`);
    });
    assert.ok(swept > 0, "the cycle recorded windows that will be swept");
    assert.ok(states.get("dlp")?.sweeps?.length, "their sweeps are scheduled");
  });
});
