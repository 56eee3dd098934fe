import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { zeroCounts } from "../../src/ingest/types";
import { FUNCTIONS } from "../../src/orchestrators/names";
import type { CheckpointState, WorkUnit } from "../../src/planning/types";
import { runEntityBatch } from "../helpers/durableHarness";
import { captureRegistrations } from "../helpers/registrations";

const registration = captureRegistrations(path.resolve(__dirname, "../../src/index.js")).find(
  (r) => r.name === FUNCTIONS.checkpoint,
);
const handler = registration?.options["handler"] as Parameters<typeof runEntityBatch>[0];
const self = { name: FUNCTIONS.checkpoint, key: "dlp" };
const H = 3_600_000;
const T0 = Date.UTC(2024, 10, 1);
const unit = (from: number, to: number): WorkUnit => ({
  kind: "time-window",
  key: "dlp",
  feedId: "dlp",
  from: T0 + from * H,
  to: T0 + to * H,
  origin: T0,
});
const done = { kind: "completed", counts: { ...zeroCounts(), ingested: 4 }, resume: {} };

describe("checkpoint entity (registered handler, host-shaped batches)", () => {
  it("is registered as an entity trigger", () => {
    assert.ok(registration);
    assert.equal((registration.options["trigger"] as { type: string }).type, "entityTrigger");
  });

  it("applies a batch of records in order and answers get with the new state", async () => {
    const result = await runEntityBatch(handler, self, undefined, [
      { name: "record", input: { unit: unit(1, 2), result: done, at: 1 }, signal: true },
      { name: "record", input: { unit: unit(0, 1), result: done, at: 2 }, signal: true },
      { name: "get" },
    ]);
    assert.equal(result.entityExists, true);
    const state = JSON.parse(result.entityState ?? "{}") as CheckpointState;
    assert.equal(state.watermark, T0 + 2 * H, "both windows contiguous from the origin");
    assert.equal(state.totals.ingested, 8);
    const reply = JSON.parse(result.results[2]?.result ?? "{}") as CheckpointState;
    assert.equal(reply.watermark, T0 + 2 * H);
  });

  it("answers bad input with an error value and leaves the state untouched (no throw, no partial write)", async () => {
    const before = {
      ...JSON.parse(
        (
          await runEntityBatch(handler, self, undefined, [
            { name: "record", input: { unit: unit(0, 1), result: done, at: 1 } },
          ])
        ).entityState ?? "{}",
      ),
    } as CheckpointState;
    const result = await runEntityBatch(handler, self, before, [
      { name: "record", input: { unit: "nonsense" } },
      { name: "reset", input: { at: 1, by: "x", reason: "  " } },
      { name: "explode" },
    ]);
    assert.deepEqual(
      result.results.map((r) => (JSON.parse(r.result ?? "{}") as { error?: string }).error),
      [
        "record needs {unit, result, at}",
        "reset needs {at, by, reason} and an optional numeric watermark",
        'unknown operation "explode"',
      ],
    );
    assert.ok(result.results.every((r) => !r.isError));
    assert.deepEqual(JSON.parse(result.entityState ?? "{}"), before);
  });

  it("reset is audited and keeps the totals", async () => {
    const first = await runEntityBatch(handler, self, undefined, [
      { name: "record", input: { unit: unit(0, 1), result: done, at: 1 } },
    ]);
    const result = await runEntityBatch(handler, self, JSON.parse(first.entityState ?? "{}"), [
      { name: "reset", input: { at: 9, by: "alice", reason: "replay after DCR fix", watermark: T0 } },
    ]);
    const state = JSON.parse(result.entityState ?? "{}") as CheckpointState;
    assert.equal(state.watermark, T0);
    assert.equal(state.totals.ingested, 4);
    assert.deepEqual(state.resets[0], {
      at: 9,
      by: "alice",
      reason: "replay after DCR fix",
      previous: { watermark: T0 + H },
    });
  });
});
