import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { zeroCounts } from "../../src/ingest/types";
import { FUNCTIONS } from "../../src/orchestrators/names";
import type { SupervisorInput } from "../../src/orchestrators/supervisor";
import type {
  CheckpointState,
  CursorDescriptor,
  CycleSettings,
  UnitResult,
  WorkUnit,
} from "../../src/planning/types";
import type { Action, Schema } from "../helpers/durableHarness";
import { ActionType, History, SCHEMAS, flatActions, replay, yieldGroups } from "../helpers/durableHarness";
import { captureRegistrations } from "../helpers/registrations";
import type { Response } from "./driver";
import { driveToEnd } from "./driver";

const ENTRY = path.resolve(__dirname, "../../src/index.js");
const registrations = captureRegistrations(ENTRY);
const handlerOf = (name: string): Parameters<typeof replay>[0] => {
  const registration = registrations.find((r) => r.name === name);
  assert.ok(registration, `${name} is registered`);
  return registration.options["handler"] as Parameters<typeof replay>[0];
};
const supervisor = handlerOf(FUNCTIONS.supervisor);

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const D = 86_400_000;
const dlp: CursorDescriptor = {
  key: "dlp",
  feedId: "dlp",
  kind: "time-window",
  maxWindowMs: D,
  retentionDays: 90,
  lagMs: 300_000,
};
const audit: CursorDescriptor = {
  key: "audit",
  feedId: "audit",
  kind: "time-window",
  maxWindowMs: D,
  retentionDays: 60,
  lagMs: 300_000,
};
const settings = (cursors: CursorDescriptor[], days = 3): CycleSettings => ({
  cursors,
  startTimeMs: NOW - days * D,
  schedule: "0 */5 * * * *",
  maxParallel: 4,
  maxPerFeed: 2,
  maxBackfillWindowsPerCycle: 8,
  maxContinuationsPerCycle: 10,
});
const completed = (n: number): UnitResult => ({
  kind: "completed",
  counts: { ...zeroCounts(), ingested: n, fetched: n },
  resume: {},
});

/** A driver with real checkpoint reducers behind the entity calls and signals. */
function statefulRun(
  schema: Schema,
  cycleSettings: CycleSettings,
  ingest: (unit: WorkUnit, taskId: number) => Response,
  input: SupervisorInput = { cycle: 0, maxCycles: 1 },
) {
  const states = new Map<string, CheckpointState>();
  const keyOf = (action: Action): string => (action.instanceId ?? "").split("@")[2] ?? "";
  const apply = (action: Action): unknown => {
    const key = keyOf(action);
    const { state, reply } = applyCheckpointOperation(
      key,
      states.get(key),
      action.operation ?? "",
      action.input,
    );
    if (state) states.set(key, state);
    return reply;
  };
  const respond = (action: Action, taskId: number): Response => {
    if (action.functionName === FUNCTIONS.readCycleSettings) return { complete: cycleSettings };
    if (action.actionType === ActionType.CallEntity) return { complete: apply(action) };
    if (action.functionName === FUNCTIONS.ingestUnit)
      return ingest((action.input as { unit: WorkUnit }).unit, taskId);
    if (action.functionName === FUNCTIONS.writeHealth) return { complete: { written: 1 } };
    throw new Error(`unexpected action ${JSON.stringify(action)}`);
  };
  return driveToEnd(
    supervisor,
    FUNCTIONS.supervisor,
    input,
    NOW,
    respond,
    400,
    (a) => void apply(a),
    schema,
  ).then((r) => ({ ...r, states }));
}

const ingestCalls = (actions: Action[]): WorkUnit[] =>
  actions
    .filter((a) => a.functionName === FUNCTIONS.ingestUnit)
    .map((a) => (a.input as { unit: WorkUnit }).unit);

for (const schema of SCHEMAS)
  describe(`supervisor orchestration (replayed by the durable-functions executor, ${schema.label})`, () => {
    const drive = (...args: Parameters<typeof statefulRun> extends [Schema, ...infer R] ? R : never) =>
      statefulRun(schema, ...args);
    it("reads settings and checkpoints, then fans out one activity per feed and window with bounded parallelism", async () => {
      const run = await drive(settings([dlp, audit]), () => ({ complete: completed(10) }));
      const actions = run.actions;
      assert.equal(actions[0]?.functionName, FUNCTIONS.readCycleSettings);
      assert.deepEqual(
        actions.slice(1, 3).map((a) => [a.actionType, a.instanceId]),
        [
          [ActionType.CallEntity, "@mimecastcheckpoint@dlp"],
          [ActionType.CallEntity, "@mimecastcheckpoint@audit"],
        ],
      );
      const units = ingestCalls(actions);
      assert.equal(units.length, 6, "3 daily windows per feed for 3 days of history");
      const firstBatch = yieldGroups(run.state)[2]!.filter((a) => a.functionName === FUNCTIONS.ingestUnit);
      assert.equal(firstBatch.length, 4, "maxParallel");
      assert.ok(
        actions
          .filter((a) => a.functionName === FUNCTIONS.ingestUnit)
          .every((a) => a.actionType === ActionType.CallActivityWithRetry),
      );
      assert.equal(run.state.isDone, true);
      const watermark = run.states.get("dlp")?.watermark ?? 0;
      assert.ok(watermark >= NOW - 300_000 && watermark < NOW, "caught up to now − lag");
      assert.equal(run.states.get("audit")?.totals.ingested, 30);
    });

    it("a failed middle window holds the watermark before it and is retried next cycle", async () => {
      const middle = NOW - 2 * D;
      const run = await drive(settings([dlp]), (unit) =>
        unit.kind === "time-window" && unit.from === middle
          ? {
              complete: {
                kind: "failed",
                counts: zeroCounts(),
                resume: { skipRecords: 0 },
                reason: "Sentinel 400",
                retryable: false,
              },
            }
          : { complete: completed(5) },
      );
      const state = run.states.get("dlp")!;
      assert.equal(state.watermark, middle, "held at the start of the failed window");
      assert.equal(state.covered.length, 1, "the later window is kept, not lost");
      assert.equal(state.open[0]?.from, middle);
      assert.match(state.lastError?.message ?? "", /Sentinel 400/);
    });

    it("an activity that fails after its retries is recorded as a failed unit; its batch mates are still recorded", async () => {
      let first = true;
      const run = await drive(settings([dlp]), () => {
        if (first) {
          first = false;
          return { fail: "ECONNRESET" };
        }
        return { complete: completed(5) };
      });
      const state = run.states.get("dlp")!;
      assert.equal(state.totals.ingested, 10, "the other two windows are recorded");
      assert.match(state.lastError?.message ?? "", /activity failed after retries: ECONNRESET/);
    });

    it("a rate-limited unit pauses all dispatch on a durable timer until the reset, then halves parallelism", async () => {
      const until = NOW + 90_000;
      let limited = false;
      const run = await drive(settings([dlp, audit], 5), (unit) => {
        if (!limited && unit.key === "audit") {
          limited = true;
          return {
            complete: { kind: "rate-limited", counts: zeroCounts(), resume: { skipRecords: 0 }, until },
          };
        }
        return { complete: completed(1) };
      });
      const actions = run.actions;
      const timerIndex = actions.findIndex((a) => a.actionType === ActionType.CreateTimer);
      assert.ok(timerIndex > 0, "a durable timer was created");
      assert.equal(Date.parse(actions[timerIndex]!.fireAt ?? ""), until);
      const groups = yieldGroups(run.state);
      const afterTimer = groups.findIndex((group) =>
        group.some((a) => a.actionType === ActionType.CreateTimer),
      );
      const nextBatch = groups[afterTimer + 1]!.filter((a) => a.functionName === FUNCTIONS.ingestUnit);
      assert.equal(nextBatch.length, 2, "parallelism halved from 4 to 2");
      assert.equal(
        nextBatch[0] && (nextBatch[0].input as { unit: WorkUnit }).unit.key,
        "audit",
        "the limited unit goes first after the wait",
      );
    });

    it("continues as new with a small input carrying only counters, and sleeps until the next schedule tick", async () => {
      const run = await drive(settings([dlp]), () => ({ complete: completed(1) }), { cycle: 7 });
      const last = run.actions[run.actions.length - 1]!;
      assert.equal(last.actionType, ActionType.ContinueAsNew);
      assert.deepEqual(last.input, { cycle: 8, parallelism: 4 });
      assert.ok(JSON.stringify(last.input).length < 200);
      const timer = run.actions[run.actions.length - 2]!;
      assert.equal(timer.actionType, ActionType.CreateTimer);
      assert.equal(new Date(timer.fireAt ?? "").getUTCSeconds(), 0);
      assert.equal(new Date(timer.fireAt ?? "").getUTCMinutes() % 5, 0, "on the */5 minute schedule");
    });

    it("keeps every activity input and entity message small (cursors and counts, never records)", async () => {
      const run = await drive(settings([dlp, audit], 30), () => ({ complete: completed(100_000) }));
      for (const action of run.actions)
        assert.ok(
          JSON.stringify(action).length < 4096,
          `${action.functionName ?? action.operation} is small`,
        );
      for (const state of run.states.values()) assert.ok(JSON.stringify(state).length < 16_000);
    });

    it("replaying the same history twice yields identical actions", async () => {
      const run = await drive(settings([dlp]), () => ({ complete: completed(3) }));
      const partial = new History(FUNCTIONS.supervisor, { cycle: 0 }, NOW);
      partial.events.splice(
        0,
        partial.events.length,
        ...run.history.events.slice(0, Math.floor(run.history.events.length / 2)),
      );
      const once = await replay(supervisor, partial, { cycle: 0, maxCycles: 1 }, undefined, schema);
      const twice = await replay(supervisor, partial, { cycle: 0, maxCycles: 1 }, undefined, schema);
      assert.deepEqual(flatActions(once), flatActions(twice));
      assert.ok(flatActions(once).length > 3);
    });

    it("a clean cycle that leaves backlog goes straight on; one where Sentinel made no progress sleeps to the tick", async () => {
      const behind = await drive(settings([dlp], 30), () => ({ complete: completed(1) }), { cycle: 0 });
      const last = behind.actions.slice(-2);
      assert.equal(last[1]?.actionType, ActionType.ContinueAsNew);
      assert.notEqual(
        last[0]?.actionType,
        ActionType.CreateTimer,
        "30 days of backlog: no sleep between cycles",
      );

      const stalled = await drive(
        settings([dlp], 30),
        () => ({
          complete: {
            kind: "partial",
            counts: zeroCounts(),
            resume: { skipRecords: 0 },
            reason: "Sentinel 503",
          },
        }),
        { cycle: 0 },
      );
      const tail = stalled.actions.slice(-2);
      assert.equal(
        tail[0]?.actionType,
        ActionType.CreateTimer,
        "no progress: wait for the tick instead of spinning",
      );
      assert.equal(tail[1]?.actionType, ActionType.ContinueAsNew);
    });
  });
