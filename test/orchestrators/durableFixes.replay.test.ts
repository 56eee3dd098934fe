import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { zeroCounts } from "../../src/ingest/types";
import { MAX_IDLE_ROUNDS } from "../../src/orchestrators/backfill";
import type { BackfillInput } from "../../src/orchestrators/backfill";
import { MAX_BATCHES_PER_GENERATION } from "../../src/orchestrators/dispatch";
import { FUNCTIONS } from "../../src/orchestrators/names";
import type { CursorDescriptor, CycleSettings, UnitResult } from "../../src/planning/types";
import { ActionType } from "../helpers/durableHarness";
import type { replay } from "../helpers/durableHarness";
import { captureRegistrations } from "../helpers/registrations";
import { ingestUnits, runGenerations } from "./generations";

/**
 * What the SDK's executor does that the old local runtime hid: Task.all([]) throws, a terminate is
 * only graceful if the orchestration reads a stop, a backfill that cannot progress must not spin,
 * history per generation must stay bounded.
 */
const registrations = captureRegistrations(path.resolve(__dirname, "../../src/index.js"));
const handlerOf = (name: string): Parameters<typeof replay>[0] => {
  const registration = registrations.find((r) => r.name === name);
  assert.ok(registration, `${name} is registered`);
  return registration.options["handler"] as Parameters<typeof replay>[0];
};
const supervisor = handlerOf(FUNCTIONS.supervisor);
const backfill = handlerOf(FUNCTIONS.backfill);

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const D = 86_400_000;
const cursor = (key: string): CursorDescriptor => ({
  key,
  feedId: key,
  kind: "time-window",
  maxWindowMs: D,
  retentionDays: 90,
  lagMs: 300_000,
});
const settings = (cursors: CursorDescriptor[], days = 3, maxParallel = 4): CycleSettings => ({
  cursors,
  startTimeMs: NOW - days * D,
  schedule: "0 */5 * * * *",
  maxParallel,
  maxPerFeed: 2,
  maxBackfillWindowsPerCycle: 8,
  maxContinuationsPerCycle: 10,
});
const completed = (n: number): UnitResult => ({
  kind: "completed",
  counts: { ...zeroCounts(), ingested: n, fetched: n },
  resume: {},
});
const forbidden: UnitResult = {
  kind: "failed",
  counts: zeroCounts(),
  resume: {},
  reason: "Mimecast /api/audit/get-audit-events answered HTTP 403: forbidden",
  retryable: false,
};
const backfillInput: BackfillInput = { requestId: "r1", feeds: ["dlp"], from: NOW - 5 * D, to: NOW - 2 * D };

describe("what real Durable would break (registered handlers, SDK executor)", () => {
  it("a supervisor with no enabled cursor runs a clean, empty cycle (no Task.all([]))", async () => {
    const run = await runGenerations({
      handler: supervisor,
      name: FUNCTIONS.supervisor,
      input: { cycle: 0, maxCycles: 1 },
      start: NOW,
      settings: settings([]),
      ingest: () => ({ complete: completed(0) }),
      maxGenerations: 1,
    });
    assert.equal(run.state.error, undefined);
    assert.equal(run.state.isDone, true);
    assert.equal((run.state.output as { unitsRun: number }).unitsRun, 0);
  });

  it("a backfill whose feeds were disabled after it started completes as a no-op, naming them", async () => {
    const run = await runGenerations({
      handler: backfill,
      name: FUNCTIONS.backfill,
      input: backfillInput,
      start: NOW,
      settings: settings([cursor("audit")]),
      ingest: () => ({ complete: completed(1) }),
      maxGenerations: 1,
    });
    assert.equal(run.state.error, undefined);
    const output = run.state.output as { done: boolean; skippedFeeds: string[] };
    assert.equal(output.done, true);
    assert.deepEqual(output.skippedFeeds, ["dlp"]);
    assert.equal(ingestUnits(run.actions).length, 0);
  });

  it("a backfill whose feed answers 403 for good ends Failed with the work left, after one call per window", async () => {
    const run = await runGenerations({
      handler: backfill,
      name: FUNCTIONS.backfill,
      input: backfillInput,
      start: NOW,
      settings: settings([cursor("dlp")]),
      ingest: () => ({ complete: forbidden }),
      maxGenerations: 50,
    });
    assert.match(run.state.error ?? "", /ended with work left: failed for good: dlp: .*HTTP 403/);
    assert.equal(run.generations, 1, "no further rounds");
    assert.equal(ingestUnits(run.actions).length, 3, "each of the 3 windows tried once, no tight loop");
    const status = run.state.customStatus as {
      done: boolean;
      feeds: { backlogWindows: number; error?: string }[];
    };
    assert.equal(status.done, false);
    assert.equal(status.feeds[0]?.backlogWindows, 3, "the work left is reported");
    assert.match(status.feeds[0]?.error ?? "", /403/);
  });

  it("a backfill whose activity keeps failing waits on growing durable timers, then ends Failed", async () => {
    const run = await runGenerations({
      handler: backfill,
      name: FUNCTIONS.backfill,
      input: backfillInput,
      start: NOW,
      settings: settings([cursor("dlp")]),
      ingest: () => ({ fail: "ECONNRESET" }),
      maxGenerations: 50,
    });
    assert.match(run.state.error ?? "", new RegExp(`${MAX_IDLE_ROUNDS} rounds in a row made no progress`));
    assert.ok(run.generations <= MAX_IDLE_ROUNDS + 1, "the first round sets the origin; then idle rounds");
    const waits = run.actions
      .filter((a) => a.actionType === ActionType.CreateTimer && a.fireAt !== undefined)
      .map((a) => Date.parse(a.fireAt!));
    assert.ok(waits.length >= MAX_IDLE_ROUNDS - 1, "a durable wait between idle rounds");
  });

  it("an operator's stop read between batches: no new unit starts, the started ones are recorded, the supervisor ends", async () => {
    let batchesSeen = 0;
    const run = await runGenerations({
      handler: supervisor,
      name: FUNCTIONS.supervisor,
      input: { cycle: 0, since: NOW - 1 },
      start: NOW,
      settings: settings([cursor("dlp"), cursor("audit")], 30),
      ingest: () => ({ complete: completed(2) }),
      maxGenerations: 3,
      beforeEntityCall: (action, r) => {
        if (!action.instanceId?.startsWith(`@${FUNCTIONS.control.toLowerCase()}@`)) return;
        batchesSeen += 1;
        // The operator's request lands while the first batch runs.
        r.control.state = { backfills: [], stop: { at: NOW, by: "alice", reason: "maintenance" } };
      },
    });
    assert.equal(run.state.error, undefined);
    assert.equal(run.state.output, "operator stop: maintenance (by alice)");
    assert.equal(batchesSeen, 1, "read once, before the second batch");
    const units = ingestUnits(run.actions);
    assert.equal(units.length, 4, "only the first batch ran");
    const recorded = run.actions.filter(
      (a) => a.actionType === ActionType.SignalEntity && a.operation === "record",
    );
    assert.equal(recorded.length, units.length, "every started unit was recorded before the end");
    assert.equal(run.checkpoints.get("dlp")?.totals.ingested, 4);
  });

  it("a stop made before the supervisor started does not stop it", async () => {
    const run = await runGenerations({
      handler: supervisor,
      name: FUNCTIONS.supervisor,
      input: { cycle: 0, since: NOW, maxCycles: 1 },
      start: NOW,
      settings: settings([cursor("dlp")], 30),
      ingest: () => ({ complete: completed(1) }),
      maxGenerations: 1,
      beforeEntityCall: (_action, r) => {
        r.control.state = { backfills: [], stop: { at: NOW - 60_000, by: "bob", reason: "old" } };
      },
    });
    assert.notEqual(typeof run.state.output, "string");
    assert.ok(ingestUnits(run.actions).length > 4);
  });

  it("a generation stops after a bounded number of batches and continues as new at once", async () => {
    const run = await runGenerations({
      handler: supervisor,
      name: FUNCTIONS.supervisor,
      input: { cycle: 0 },
      start: NOW,
      settings: settings([cursor("dlp"), cursor("audit"), cursor("url")], 30, 1),
      // Every unit stops on its budget with progress: each cursor continues up to 10 times a cycle.
      ingest: () => ({
        complete: {
          kind: "partial",
          counts: { ...zeroCounts(), ingested: 1 },
          resume: { page: 1 },
          reason: "budget",
        },
      }),
      maxGenerations: 1,
    });
    const units = ingestUnits(run.actions);
    assert.equal(units.length, MAX_BATCHES_PER_GENERATION, "one unit per batch at parallelism 1");
    const tail = run.actions.slice(-2);
    assert.equal(tail[1]?.actionType, ActionType.ContinueAsNew);
    assert.notEqual(tail[0]?.actionType, ActionType.CreateTimer, "a cut generation does not sleep");
    for (const action of run.actions) {
      assert.ok(JSON.stringify(action).length < 4096, "inputs stay cursors and counts");
    }
    assert.ok(
      run.actions.every(
        (a) =>
          !(a.actionType === ActionType.CallEntity && a.instanceId?.includes(FUNCTIONS.digest.toLowerCase())),
      ),
      "digests are read by the activity, never through this history",
    );
  });

  it("every unit is stamped with its run and its cursor's reset epoch", async () => {
    const run = await runGenerations({
      handler: supervisor,
      name: FUNCTIONS.supervisor,
      input: { cycle: 0, maxCycles: 1 },
      start: NOW,
      settings: settings([cursor("dlp")], 3),
      ingest: () => ({ complete: completed(1) }),
      maxGenerations: 1,
      beforeEntityCall: (action, r) => {
        if (
          action.operation === "get" &&
          action.instanceId === "@mimecastcheckpoint@dlp" &&
          !r.checkpoints.has("dlp")
        ) {
          r.checkpoints.set("dlp", {
            key: "dlp",
            covered: [],
            open: [],
            totals: zeroCounts(),
            consecutiveFailures: 0,
            resets: [],
            epoch: 2,
          });
        }
      },
    });
    const units = ingestUnits(run.actions);
    assert.ok(units.length > 0);
    assert.ok(units.every((u) => u.epoch === 2));
    const stamps = units.map((u) => `${u.run?.at}.${u.run?.n}`);
    assert.equal(new Set(stamps).size, stamps.length, "stamps are unique");
  });
});
